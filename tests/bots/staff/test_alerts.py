"""Alerts: a conflict goes to the assignee and the first supervisor with its buttons; not acknowledged within
N minutes it escalates to the next person (the clock is injected); «Беру» acknowledges and takes the request;
«Не конфликт» is stored as feedback. SLA breaches count business time only; reminders and the digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import AttachmentRef, CallInfo
from storage.models import Alert, Call, Message, Outbox, Request, StaffNotice, Task, TranscriptSegment
from storage.repos.company_settings import BusinessHours, SlaSettings, save_sla_settings
from storage.types import utcnow
from tests.bots.staff.conftest import StaffDesk, buttons, conflict_alert
from tests.factories import NOW, inbound
from workers.broadcasts import check_draft, send
from workers.notify import staff_tick
from workers.outbound import queue_reply
from workers.staff_cards import MESSAGE_CHARS, _whole, alert_text, one_line

pytestmark = pytest.mark.storage


async def _conflict(desk: StaffDesk, *, assignee: str | None = "Иван") -> Alert:
    return await conflict_alert(desk, assignee=desk.staff[assignee] if assignee else None)


def _sent_to(desk: StaffDesk, chat: int, *, digests: bool = False) -> list[dict[str, object]]:
    """What one person got; the daily digest (due at 10:00 Moscow, the desk's clock) only when asked."""
    return [
        p
        for p in desk.api.sent("sendMessage")
        if str(p["chat_id"]) == str(chat) and (digests or "Сводка за сутки" not in str(p["text"]))
    ]


async def tick(desk: StaffDesk) -> dict[str, int]:
    return await staff_tick({"okno": desk.app})


async def test_a_conflict_alert_is_escalated_after_the_timeout(desk: StaffDesk) -> None:
    alert = await _conflict(desk)
    await tick(desk)
    [to_ivan] = _sent_to(desk, 7002)
    [to_viktor] = _sent_to(desk, 7003)
    assert to_ivan["text"] == to_viktor["text"]
    lines = str(to_ivan["text"]).splitlines()
    assert lines[0] == "⚠️ Конфликт · серьёзность 2/3 · сорван срок"
    assert (
        "Клиент: ООО «Ромашка»" in lines and "Канал: api" in lines and "«Сколько можно ждать акт?!»" in lines
    )
    assert any(line.startswith("Открыть: https://okno.example/ui/requests/") for line in lines)
    # the whole message under its quote: what else it says is the supervisor's to read
    assert "Сообщение: ООО «Ромашка», ИНН 7707083893. Сколько можно ждать акт?!" in lines
    assert [label for label, _ in buttons(to_ivan)] == ["Беру", "Назначить…", "Не конфликт", "Другой вид…"]
    assert _sent_to(desk, 7004) == []
    desk.now += timedelta(minutes=14)
    assert (await tick(desk))["escalated"] == 0 and _sent_to(desk, 7004) == []  # not yet, and nothing twice
    desk.now += timedelta(minutes=2)
    assert (await tick(desk))["escalated"] == 1
    [to_olga] = _sent_to(desk, 7004)  # the admin: the next one up after the only supervisor
    assert str(to_olga["text"]).startswith("⬆️ Эскалация (уровень 1)")
    async with desk.services.db.session() as session:
        stored = await session.get(Alert, alert.id)
        assert stored is not None and stored.escalation_level == 1
    desk.now += timedelta(hours=2)
    assert (await tick(desk))["escalated"] == 0  # the chain is exhausted: nobody is told twice
    assert len(_sent_to(desk, 7002) + _sent_to(desk, 7003) + _sent_to(desk, 7004)) == 3


async def test_take_acknowledges_assigns_and_stops_the_escalation(desk: StaffDesk) -> None:
    alert = await _conflict(desk, assignee=None)
    await tick(desk)
    [card] = _sent_to(desk, 7003)
    take = dict(buttons(card))["Беру"]
    calls = await desk.press(7003, take, message_id=1001)
    assert [c["method"] for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[0]["text"] == "Взято" and "✅ Взял(а): Виктор Зайцев" in calls[1]["text"]
    async with desk.services.db.session() as session:
        stored = await session.get(Alert, alert.id)
        request = await session.get(Request, alert.request_id)
    assert stored is not None and request is not None
    assert (stored.status, stored.acked_by_id) == ("acked", desk.staff["Виктор"].id)
    assert request.assignee_id == desk.staff["Виктор"].id
    desk.now += timedelta(hours=1)
    assert (await tick(desk))["escalated"] == 0


async def test_not_a_conflict_is_feedback_and_a_manager_may_not_dismiss_others(desk: StaffDesk) -> None:
    alert = await _conflict(desk, assignee="Иван")
    await tick(desk)
    [card] = _sent_to(desk, 7002)
    dismiss = dict(buttons(card))["Не конфликт"]
    refused = await desk.press(7001, dismiss, message_id=1001)  # Анна: neither supervisor nor assignee
    assert refused[0]["text"].startswith("Это может сделать")
    await desk.press(7002, dismiss, message_id=1001)
    async with desk.services.db.session() as session:
        stored = await session.get(Alert, alert.id)
    assert stored is not None and (stored.status, stored.feedback) == ("dismissed", False)


async def test_another_kind_corrects_the_models_and_keeps_it_for_the_evals(desk: StaffDesk) -> None:
    alert = await _conflict(desk, assignee="Иван")
    await tick(desk)
    [card] = _sent_to(desk, 7002)
    answer, markup = await desk.press(7002, dict(buttons(card))["Другой вид…"], message_id=1001)
    assert answer["text"] == "Какой это конфликт?" and markup["method"] == "editMessageReplyMarkup"
    kinds = dict(buttons(markup))
    assert len(kinds) == 8 and {"сорван срок", "угроза уйти", "угроза суда"} <= set(kinds)
    answer, edited = await desk.press(7002, kinds["угроза уйти"], message_id=1001)
    assert answer["text"] == "Вид конфликта сохранён"
    lines = str(edited["text"]).splitlines()
    assert lines[0] == "⚠️ Конфликт · серьёзность 2/3 · угроза уйти"
    assert lines[-1] == "☑️ Конфликт подтверждён (Иван Соколов)"
    assert [label for label, _ in buttons(edited)][:2] == ["Беру", "Назначить…"]  # still to be taken
    async with desk.services.db.session() as session:
        stored = await session.get(Alert, alert.id)
    assert stored is not None and (stored.category, stored.feedback) == ("churn_threat", True)
    assert stored.status == "acked"
    assert stored.details["model_category"] == "missed_deadline"
    desk.now += timedelta(hours=1)
    assert (await tick(desk))["escalated"] == 0  # judged: nobody else is woken for it


async def test_assign_picks_a_manager(desk: StaffDesk) -> None:
    alert = await _conflict(desk, assignee=None)
    await tick(desk)
    [card] = _sent_to(desk, 7003)
    [_, markup] = await desk.press(7003, dict(buttons(card))["Назначить…"], message_id=1001)
    assert markup["method"] == "editMessageReplyMarkup"
    anna = next(data for label, data in buttons(markup) if label == "Анна Петрова")
    await desk.press(7003, anna, message_id=1001)
    async with desk.services.db.session() as session:
        request = await session.get(Request, alert.request_id)
    assert request is not None and request.assignee_id == desk.staff["Анна"].id
    [told] = _sent_to(desk, 7001)  # the manager it was handed to hears it from the bot
    text = str(told["text"])
    assert "«Сколько можно ждать акт?!»" in text and "Взял(а): Виктор Зайцев" in text


async def test_sla_counts_business_hours_only(desk: StaffDesk) -> None:
    # the company calendar, as an admin sets it in the web UI
    async with desk.services.db.session() as session:
        await save_sla_settings(session, SlaSettings(60, BusinessHours()), staff_id=None)
        await session.commit()
    friday_evening = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)  # 17:30 in Moscow, 30 minutes before close
    await accept(
        desk.services.db,
        inbound("e9", text="Срочно нужен счёт", sent_at=friday_evening),
        policy=IntakePolicy(),
    )
    desk.now = datetime(2026, 11, 30, 6, 20, tzinfo=UTC)  # Monday 09:20: 30 + 20 business minutes < 60
    assert (await tick(desk))["sla"] == 0
    desk.now = datetime(2026, 11, 30, 6, 31, tzinfo=UTC)  # 09:31: 61 business minutes
    assert (await tick(desk))["sla"] == 1
    async with desk.services.db.session() as session:
        [alert] = (await session.execute(select(Alert))).scalars().all()
    assert alert.kind == "sla_breach"
    [to_viktor] = _sent_to(desk, 7003)  # nobody assigned: the supervisor at once
    assert str(to_viktor["text"]).startswith("⏰ Нет ответа клиенту")
    assert [label for label, _ in buttons(to_viktor)] == ["Беру", "Назначить…"]  # no conflict to judge
    assert (await tick(desk))["sla"] == 0  # one alert per request


async def test_task_reminder_then_overdue_to_assignee_then_supervisor(desk: StaffDesk) -> None:
    async with desk.services.db.session() as session:
        session.add(
            Task(
                title="Позвонить в Ромашку",
                assignee_id=desk.staff["Иван"].id,
                due_at=desk.now + timedelta(minutes=30),
            )
        )
        await session.commit()
    await tick(desk)
    assert [str(p["text"]) for p in _sent_to(desk, 7002)] == [
        "🔔 Напоминание: «Позвонить в Ромашку» — срок 24.11 10:30"
    ]
    desk.now += timedelta(minutes=31)
    await tick(desk)
    assert str(_sent_to(desk, 7002)[-1]["text"]).startswith("⏰ Просрочено")
    assert _sent_to(desk, 7003) == []
    desk.now += timedelta(minutes=15)
    await tick(desk)
    [to_viktor] = _sent_to(desk, 7003)
    assert "Иван Соколов" in str(to_viktor["text"])
    await tick(desk)
    assert len(_sent_to(desk, 7002) + _sent_to(desk, 7003)) == 3


async def test_the_daily_digest_goes_once_to_supervisors(desk: StaffDesk) -> None:
    await _conflict(desk)
    desk.now = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # 08:00 Moscow: before the digest hour
    await tick(desk)
    assert not any("Сводка за сутки" in str(p["text"]) for p in _sent_to(desk, 7003, digests=True))
    desk.now = datetime(2026, 11, 24, 6, 5, tzinfo=UTC)
    await tick(desk)
    await tick(desk)
    digests = [
        str(p["text"]) for p in _sent_to(desk, 7003, digests=True) if "Сводка за сутки" in str(p["text"])
    ]
    assert len(digests) == 1 and "Конфликтов: 1" in digests[0] and "Иван Соколов" in digests[0]
    async with desk.services.db.session() as session:
        kinds = {n.kind for n in (await session.execute(select(StaffNotice))).scalars()}
    assert "digest" in kinds


async def test_a_reply_the_client_did_not_get_is_told_to_its_author_once(desk: StaffDesk) -> None:
    """Ivan answered and moved on; the send failed for good (here: the client's API channel is not set up)."""
    result = await accept(
        desk.services.db,
        inbound("e1", text="ООО «Ромашка», ИНН 7707083893. Нужен акт."),
        policy=IntakePolicy(),
    )
    ivan = desk.staff["Иван"]
    outbox = await queue_reply(
        desk.services.db,
        desk.services.queue,
        request_id=result.request_id or 0,
        staff_id=ivan.id or 0,
        text="Акт пришлём в пятницу.",
    )
    assert desk.services.inline is not None
    await desk.services.inline.drain()
    await tick(desk)
    await tick(desk)
    [told] = [p for p in _sent_to(desk, 7002) if "не получил" in str(p["text"])]
    head = f"📭 Клиент не получил ваш ответ (обращение #{result.request_id}, ООО «Ромашка»)"
    assert str(told["text"]).startswith(f"{head}: «Акт пришлём в пятницу.»")
    assert "Причина: no account for api" in str(told["text"])
    assert not any(
        "не получил" in str(p["text"]) for p in _sent_to(desk, 7003)
    )  # the author's, no one else's
    async with desk.services.db.session() as session:
        notices = (await session.execute(select(StaffNotice))).scalars().all()
    assert [n.kind for n in notices if n.key == f"reply_failed:{outbox.id}"] == ["reply_failed"]


async def test_a_reply_of_files_alone_that_failed_is_told_by_their_names(desk: StaffDesk) -> None:
    result = await accept(desk.services.db, inbound("e1", text="Нужен акт сверки."), policy=IntakePolicy())
    key = await desk.services.jobs.blobs.put(b"%PDF-1.4 akt")
    act = AttachmentRef(kind="document", filename="Акт сверки.pdf", size=12, blob_key=key)
    await queue_reply(
        desk.services.db, desk.services.queue, request_id=result.request_id or 0,
        staff_id=desk.staff["Иван"].id or 0, text="", attachments=(act,),
    )  # fmt: skip
    assert desk.services.inline is not None
    await desk.services.inline.drain()
    await tick(desk)
    [told] = [p for p in _sent_to(desk, 7002) if "не получил" in str(p["text"])]
    assert "«📎 Акт сверки.pdf»" in str(told["text"])  # not an empty «»


async def test_a_broadcasts_failed_copies_are_not_told_one_by_one(desk: StaffDesk) -> None:
    """Forty clients who blocked the bot would be forty notices to the sender: its page lists them."""
    for n in range(2):
        message = inbound(f"t{n}", channel="telegram", account="nobot", sender=f"90{n}", name=f"Клиент {n}")
        await accept(desk.services.db, message, policy=IntakePolicy())
    draft = check_draft(text="Офис закрыт 31 декабря.", channels=["telegram"], since_days=3660)
    await send(desk.services.db, desk.services.queue, draft, key="k", sender=desk.staff["Иван"], now=utcnow())
    assert desk.services.inline is not None
    await desk.services.inline.drain()
    await tick(desk)
    await tick(desk)
    async with desk.services.db.session() as session:
        failed = (await session.execute(select(Outbox).where(col(Outbox.status) == "failed"))).scalars().all()
    assert len(failed) == 2  # no account «nobot»: both copies failed for good
    assert not any("не получил" in str(p["text"]) for p in _sent_to(desk, 7002))


def test_the_whole_message_of_an_alert_is_the_fresh_part_of_an_email_clipped() -> None:
    email = Message(
        conversation_id=1,
        channel="email",
        account="sales",
        message_key="m1",
        direction="inbound",
        kind="text",
        text="Акт так и не пришёл.\nБудем искать другую бухгалтерию.\n\n> Добрый день! Акт пришлём завтра.",
        sent_at=NOW,
    )
    assert _whole(email) == "Акт так и не пришёл. Будем искать другую бухгалтерию."
    # the subject the parser puts first repeats the thread, not the client's words
    threaded = Message.model_validate(
        {
            **email.model_dump(),
            "subject": "Re: Акт сверки [#R-1]",
            "text": f"Re: Акт сверки [#R-1]\n\n{email.text}",
        }
    )
    assert _whole(threaded) == "Акт так и не пришёл. Будем искать другую бухгалтерию."
    long = Message.model_validate({**email.model_dump(), "channel": "api", "text": "слово " * 200})
    clipped = _whole(long)
    assert MESSAGE_CHARS - 20 <= len(clipped) <= MESSAGE_CHARS and clipped.endswith("слово…")  # a whole word
    assert one_line("x" * 700, 600) == "x" * 599 + "…"  # no word ends near the limit: cut there


async def test_a_call_alert_card_shows_the_client_turn_not_the_whole_transcript(desk: StaffDesk) -> None:
    call = CallInfo(direction="inbound", from_number="+79165551234", started_at=NOW, ended_at=NOW)
    turns = [
        ("operator", "Бухгалтерия, здравствуйте."),
        ("client", "Если так продолжится, мы расторгнем договор."),
        ("client", "Хорошо, жду."),
    ]
    got = await accept(
        desk.services.db,
        inbound(
            "call-1",
            kind="call",
            channel="telephony",
            sender="+79165551234",
            phone="+79165551234",
            name=None,
            text="\n".join(t for _, t in turns),
            call=call,
        ),
        policy=IntakePolicy(),
    )
    async with desk.services.db.session() as session:
        record = (await session.execute(select(Call))).scalars().one()
        segments = [
            TranscriptSegment(
                call_id=record.id or 0, position=n, speaker=who, start_s=n, end_s=n + 1, text=text
            )
            for n, (who, text) in enumerate(turns)
        ]
        session.add_all(segments)
        await session.flush()
        alert = Alert(
            kind="conflict",
            severity=3,
            category="churn_threat",
            evidence_quote="мы расторгнем договор",
            source_message_id=got.message_id,
            source_segment_id=segments[1].id,
            request_id=got.request_id,
        )
        session.add(alert)
        await session.flush()
        card = await alert_text(session, alert, web_url=None)
    assert "Сообщение: Если так продолжится, мы расторгнем договор." in card
    assert "Клиент: +79165551234" in card  # no company yet: whom to call back, not «не определён»
    assert "Бухгалтерия, здравствуйте" not in card and "Хорошо, жду" not in card
