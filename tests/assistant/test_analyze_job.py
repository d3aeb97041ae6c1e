"""analyze_message and fill_request_form on a real database: an Alert with its quote, once per request and
category, with an AuditLog row; the form fill never overwrites a manager's value."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import BaseMessage
from sqlmodel import col, select

from assistant.evals.runner import run_eval
from assistant.llm import ChatRunner
from intake.accept import Accepted, accept
from intake.policy import IntakePolicy
from intake.schema import CallInfo
from okno.jobs import JOBS
from okno.services import Services
from storage.models import Alert, AuditLog, Call, Request, TranscriptSegment
from storage.repos.requests import set_field
from tests.assistant.fakes import ToolCallingFake, user_text
from tests.factories import NOW, inbound
from workers.alert_feedback import feedback_cases
from workers.analyze import AssistantServices, analyze_call, analyze_message, fill_request_form

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()


def judge(messages: list[BaseMessage], tool: str) -> dict[str, Any]:
    """A fake that finds a conflict whenever the client writes 'безобразие'."""
    if tool == "FormFill":
        return {"what": "поставка дверей", "company_name": "Ромашка", "due": ""}
    angry = "безобразие" in user_text(messages).rsplit("<message>", 1)[-1]
    evidence = "Это безобразие" if angry else ""
    category = "missed_deadline" if angry else "none"
    return {"conflict": angry, "category": category, "severity": 2, "evidence": evidence, "reason": "late"}


@pytest.fixture
def with_fake(services: Services) -> Callable[..., ToolCallingFake]:
    from assistant.llm import ChatRunner

    def install(responder: Callable[[list[BaseMessage], str], dict[str, Any]] = judge) -> ToolCallingFake:
        model = ToolCallingFake(responder=responder)
        services.jobs.extras["assistant"] = AssistantServices(ChatRunner(model), ZoneInfo("Europe/Moscow"))
        return model

    return install


def test_both_jobs_are_on_the_llm_queue() -> None:
    assert JOBS["analyze_message"][1] == "llm" and JOBS["fill_request_form"][1] == "llm"


async def alerts(services: Services) -> list[Alert]:
    async with services.db.session() as session:
        return list((await session.execute(select(Alert))).scalars().all())


async def _angry_after_a_question(services: Services) -> Accepted:
    """A calm question, then the complaint five minutes later (its context)."""
    await accept(services.db, inbound("e1", text="Когда доставка?"), policy=POLICY)
    return await accept(
        services.db,
        inbound("e2", text="Неделю ждём! Это безобразие.", sent_at=NOW + timedelta(minutes=5)),
        policy=POLICY,
    )


async def test_a_conflict_becomes_one_alert_with_its_quote_and_an_audit_row(
    services: Services, with_fake: Callable[..., ToolCallingFake]
) -> None:
    model = with_fake()
    ctx = {"okno": services.jobs}
    first = await _angry_after_a_question(services)
    assert first.message_id is not None
    assert await analyze_message(ctx, first.message_id) == "alerted"
    assert "[client] Когда доставка?" in user_text(model.seen[-1])  # the earlier message is context
    again = await accept(
        services.db,
        inbound("e3", text="Это безобразие, сколько можно", sent_at=NOW + timedelta(minutes=9)),
        policy=POLICY,
    )
    assert again.message_id is not None
    assert await analyze_message(ctx, again.message_id) == "duplicate"
    [alert] = await alerts(services)
    assert (alert.kind, alert.category, alert.status, alert.severity) == (
        "conflict",
        "missed_deadline",
        "new",
        2,
    )
    assert alert.evidence_quote == "Это безобразие" and alert.source_message_id == first.message_id
    assert alert.request_id == first.request_id
    async with services.db.session() as session:
        audit = (
            (await session.execute(select(AuditLog).where(col(AuditLog.entity) == "alert"))).scalars().all()
        )
    assert [(a.actor_kind, a.action, a.entity_id) for a in audit] == [("assistant", "alert.create", alert.id)]


async def test_a_resolved_alert_lets_the_same_category_alert_again(
    services: Services, with_fake: Callable[..., ToolCallingFake]
) -> None:
    with_fake()
    ctx = {"okno": services.jobs}
    one = await accept(services.db, inbound("e1", text="Это безобразие!"), policy=POLICY)
    assert one.message_id and await analyze_message(ctx, one.message_id) == "alerted"
    async with services.db.session() as session, session.begin():
        (await session.execute(select(Alert))).scalars().one().status = "resolved"
    two = await accept(
        services.db,
        inbound("e2", text="Опять! Это безобразие!", sent_at=NOW + timedelta(hours=1)),
        policy=POLICY,
    )
    assert two.message_id and await analyze_message(ctx, two.message_id) == "alerted"
    assert len(await alerts(services)) == 2


async def test_no_conflict_or_an_invented_quote_makes_no_alert(
    services: Services, with_fake: Callable[..., ToolCallingFake]
) -> None:
    ctx = {"okno": services.jobs}
    with_fake()
    calm = await accept(services.db, inbound("e1", text="Спасибо, всё получили"), policy=POLICY)
    assert calm.message_id and await analyze_message(ctx, calm.message_id) == "no conflict"
    with_fake(
        lambda _m, _t: {
            "conflict": True,
            "category": "rudeness",
            "severity": 3,
            "evidence": "вы идиоты",
            "reason": "x",
        }
    )
    other = await accept(
        services.db, inbound("e2", text="Когда привезёте?", sent_at=NOW + timedelta(minutes=1)), policy=POLICY
    )
    assert other.message_id and await analyze_message(ctx, other.message_id) == "rejected quote"
    assert await alerts(services) == []


async def test_without_an_assistant_the_jobs_do_nothing(services: Services) -> None:
    got = await accept(services.db, inbound("e1", text="Это безобразие!"), policy=POLICY)
    assert got.message_id and got.request_id
    assert await analyze_message({"okno": services.jobs}, got.message_id) == "assistant off"
    assert await fill_request_form({"okno": services.jobs}, got.request_id, got.message_id) == "assistant off"


async def test_form_fill_fills_empty_fields_and_never_a_managers(
    services: Services, with_fake: Callable[..., ToolCallingFake]
) -> None:
    with_fake()
    ctx = {"okno": services.jobs}
    got = await accept(
        services.db, inbound("e1", text="Мы — компания Ромашка, нужно поставить двери"), policy=POLICY
    )
    assert got.request_id and got.message_id
    async with services.db.session() as session, session.begin():
        request = await session.get(Request, got.request_id)
        assert request is not None
        set_field(request, field="what", value="двери, 3 шт", source="manager", at=NOW)
    assert await fill_request_form(ctx, got.request_id, got.message_id) == "filled company_name"
    async with services.db.session() as session:
        request = await session.get(Request, got.request_id)
        assert request is not None
        assert request.what == "двери, 3 шт" and request.field_sources["what"]["source"] == "manager"
        assert (
            request.company_name == "Ромашка"
            and request.field_sources["company_name"]["source"] == "assistant"
        )
        audit = (
            (await session.execute(select(AuditLog).where(col(AuditLog.action) == "request.fill")))
            .scalars()
            .one()
        )
    assert audit.details["fields"] == ["company_name"] and audit.actor_kind == "assistant"


async def _call_with_turns(services: Services, key: str, turns: list[tuple[str, str]]) -> int:
    """A call message with its transcript, as transcribe_call leaves it; its id."""
    call = CallInfo(direction="inbound", from_number="+79161234567", started_at=NOW, ended_at=NOW)
    got = await accept(
        services.db, inbound(key, text=None, kind="call", channel="telephony", call=call), policy=POLICY
    )
    assert got.message_id is not None
    async with services.db.session() as session, session.begin():
        of_call = select(Call).where(col(Call.message_id) == got.message_id)
        record = (await session.execute(of_call)).scalars().one()
        for n, (speaker, text) in enumerate(turns):
            session.add(
                TranscriptSegment(
                    call_id=record.id or 0, position=n, speaker=speaker, start_s=n, end_s=n + 1, text=text
                )
            )
    return got.message_id


async def test_a_call_is_judged_per_client_turn_with_the_operator_as_context(
    services: Services, with_fake: Callable[..., ToolCallingFake]
) -> None:
    model = with_fake()
    turns = [
        ("operator", "Компания Окно, слушаю"),
        ("client", "Добрый день"),
        ("operator", "Заказ задерживается"),
        ("client", "Неделю ждём! Это безобразие."),
    ]
    call_id = await _call_with_turns(services, "call-1", turns)
    assert await analyze_message({"okno": services.jobs}, call_id) == "skipped"  # no text on the call itself
    assert await analyze_call({"okno": services.jobs}, call_id) == "alerted"
    assert len(model.seen) == 2  # the two client turns, never the operator's
    assert "[operator] Заказ задерживается" in user_text(model.seen[-1])
    [alert] = await alerts(services)
    assert alert.evidence_quote == "Это безобразие" and alert.source_segment_id is not None


async def test_a_call_alerts_the_turn_the_check_is_surest_of_not_the_first(
    services: Services, with_fake: Callable[..., ToolCallingFake]
) -> None:
    """The walk-through's call: the director's greeting passed the threshold first (as «требует руководителя»)
    and the check stopped there, before his threat to end the contract."""

    def greeting_passes(messages: list[BaseMessage], tool: str) -> dict[str, Any]:
        turn = user_text(messages).rsplit("<message>", 1)[-1]
        if "директор" in turn:
            return {"conflict": True, "category": "escalation_request", "severity": 1, "evidence": "директор",
                    "reason": "asks for a manager"}  # fmt: skip
        if "расторгнем" in turn:
            return {"conflict": True, "category": "churn_threat", "severity": 3,
                    "evidence": "мы расторгнем договор", "reason": "leaving"}  # fmt: skip
        return {"conflict": False, "category": "none", "severity": 1, "evidence": "", "reason": "calm"}

    model = with_fake(greeting_passes)
    turns = [
        ("operator", "Бухгалтерия, здравствуйте."),
        ("client", "Здравствуйте, это Пётр Волков, директор Ромашки."),
        ("client", "Если так продолжится, мы расторгнем договор."),
        ("client", "Хорошо, жду."),
    ]
    call_id = await _call_with_turns(services, "call-2", turns)
    assert await analyze_call({"okno": services.jobs}, call_id) == "alerted"
    assert len(model.seen) == 3  # every client turn read
    [alert] = await alerts(services)
    assert (alert.category, alert.evidence_quote) == ("churn_threat", "мы расторгнем договор")
    async with services.db.session() as session:
        segment = await session.get(TranscriptSegment, alert.source_segment_id)
    assert segment is not None and segment.position == 2


async def test_judged_alerts_become_eval_cases_with_what_the_check_read(
    services: Services, with_fake: Callable[..., ToolCallingFake], tmp_path: Path
) -> None:
    """`okno alerts feedback`: the staff's verdicts as a conflicts set that `okno eval` reads, each case the
    text, channel and context the worker gave the model."""
    model = with_fake()
    ctx = {"okno": services.jobs}
    chat = await _angry_after_a_question(services)
    assert chat.message_id and await analyze_message(ctx, chat.message_id) == "alerted"
    worker_saw = user_text(model.seen[-1])
    call = CallInfo(direction="inbound", from_number="+79035550011", started_at=NOW, ended_at=NOW)
    got = await accept(
        services.db, inbound("call-1", text=None, kind="call", channel="telephony", call=call), policy=POLICY
    )
    assert got.message_id is not None
    async with services.db.session() as session, session.begin():
        record = (await session.execute(select(Call))).scalars().one()
        for n, (speaker, text) in enumerate([("operator", "Слушаю"), ("client", "Ну это безобразие, шучу")]):
            session.add(
                TranscriptSegment(
                    call_id=record.id or 0, position=n, speaker=speaker, start_s=n, end_s=n + 1, text=text
                )
            )
    assert await analyze_call(ctx, got.message_id) == "alerted"
    async with services.db.session() as session, session.begin():
        stored = (await session.execute(select(Alert))).scalars()
        by_source = {a.source_segment_id is not None: a for a in stored}
        by_source[False].feedback, by_source[False].category = True, "quality_claim"  # the kind corrected
        by_source[False].details = {"model_category": "missed_deadline"}
        by_source[True].feedback = False  # "Не конфликт"
        unjudged = Alert(kind="conflict", category="rudeness", source_message_id=chat.message_id)
        session.add(unjudged)
    async with services.db.session() as session:
        found = await feedback_cases(session)
    assert found.skipped == []
    chat_case, call_case = found.cases
    assert chat_case == {
        "id": f"alert-{by_source[False].id}",
        "channel": "chat",
        "lang": "ru",
        "text": "Неделю ждём! Это безобразие.",
        "conflict": True,
        "category": "quality_claim",
        "context": [{"speaker": "client", "text": "Когда доставка?"}],
        "model_category": "missed_deadline",
    }
    assert call_case["channel"] == "call" and call_case["text"] == "Ну это безобразие, шучу"
    assert call_case["context"] == [{"speaker": "operator", "text": "Слушаю"}]
    assert (call_case["conflict"], call_case["category"]) == (False, "none")
    # the eval reads the file and gives the model what the worker gave it
    path = tmp_path / "feedback.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in found.cases), encoding="utf-8")
    lines: list[str] = []
    figures = await run_eval("conflicts", ChatRunner(model), path, bare=False, echo=lines.append)
    assert user_text(model.seen[-2]) == worker_saw
    assert (figures["precision"], figures["recall"], figures["category_accuracy_tp"]) == (0.5, 1.0, 0.0)
