"""The incremental client summary: stored points + only the messages since; cites checked against input."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import BaseMessage
from sqlmodel import col, select

from assistant import history
from assistant.chains.summary import (
    BATCH,
    MAX_NEW,
    NARRATIVE,
    CardAlert,
    CardRequest,
    ClientCard,
    MessageView,
    card_points,
    summarize,
)
from assistant.history import summarize_client
from assistant.llm import ChatRunner
from assistant.schemas import NarrativePoint, SummaryPoint
from intake.accept import accept
from intake.policy import IntakePolicy
from storage.db import Database
from storage.models import Client, ClientSummary, Message, Staff
from tests.assistant.fakes import ToolCallingFake, user_text
from tests.factories import NOW, client_owning_all, inbound

Build = Callable[..., tuple[ChatRunner, ToolCallingFake]]


def cite_new(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
    """Cites every id it was shown as new, plus one id it never saw (which the chain must drop)."""
    new_part = user_text(messages).split("New messages:", 1)[1]
    ids = [int(i) for i in re.findall(r"id=(\d+)", new_part)]
    return {
        "points": [
            {"section": "recent", "text": f"{len(ids)} новых сообщений", "cites": [*ids, 999_999]},
            {"section": "risks", "text": "выдумка", "cites": [999_998]},
            {"section": "mood", "text": "без ссылок", "cites": []},
        ]
    }


def views(start: int, count: int) -> list[MessageView]:
    return [
        MessageView(i, NOW + timedelta(minutes=i), "api", "client", f"сообщение {i}")
        for i in range(start, start + count)
    ]


async def test_points_cite_only_given_ids_and_uncited_claims_are_dropped(fake_runner: Build) -> None:
    runner, _ = fake_runner(cite_new)
    out = await summarize(runner, card=ClientCard("Ромашка"), previous=[], last_message_id=0, new=views(1, 3))
    assert [(p.section, p.cites) for p in out.points] == [("recent", [1, 2, 3])]
    assert out.dropped_cites == 2 and out.last_message_id == 3


async def test_an_answer_citing_nothing_given_is_asked_again_under_a_schema_of_the_given_ids(
    fake_runner: Build,
) -> None:
    answers = iter(
        [
            {"points": [{"section": "recent", "text": "просит счёт", "cites": [999]}]},
            {"points": [{"section": "recent", "text": "просит счёт", "cites": [4]}]},
        ]
    )
    runner, model = fake_runner(lambda _messages, _tool: next(answers))
    previous = [SummaryPoint(section="promises", text="Иван обещал счёт", cites=[2])]
    out = await summarize(
        runner, card=ClientCard("Ромашка"), previous=previous, last_message_id=3, new=views(4, 2)
    )
    # the newest message, cited by no point, is quoted after them
    latest = ("Последнее сообщение клиента: «сообщение 5»", [5])
    assert [(p.text, p.cites) for p in out.points] == [("просит счёт", [4]), latest] and out.calls == 2
    assert out.dropped_cites == 1  # the first answer's stray id still counts
    first, second = (tool["function"]["parameters"]["properties"]["points"] for tool in model.tools)
    assert "enum" not in first["items"]["properties"]["cites"].get("items", {})
    cites = second["items"]["properties"]["cites"]
    # the grammar a local model writes under: at least one point, each citing 1-3 of the ids it was given
    assert second["minItems"] == 1 and cites["items"]["enum"] == [2, 4, 5]
    assert (cites["minItems"], cites["maxItems"]) == (1, 3)


async def test_who_and_requests_come_from_the_card_not_the_model(fake_runner: Build) -> None:
    due = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    card = ClientCard(
        "ООО Ромашка",
        "7707083893",
        ("Анна +79001234567",),
        (CardRequest(12, "new", "30 стульев", due), CardRequest(14, "waiting_client")),
    )
    assert [(p.section, p.text, p.cites) for p in card_points(card, tz=ZoneInfo("Europe/Moscow"))] == [
        ("who", "ООО Ромашка, ИНН 7707083893; контакты: Анна +79001234567", []),
        ("requests", "#12 новый: 30 стульев, срок 27.11.2026 18:00", []),
        ("requests", "#14 ждём клиента: ?", []),
    ]
    assert [p.text for p in card_points(card, "en")][1] == "#12 new: 30 стульев, due 27.11.2026 15:00"
    assert [p.text for p in card_points(ClientCard("Beta Corp"), "en")] == ["Beta Corp", "no open requests"]
    # a summary stored before the card was built in code: its who point neither reaches the model nor stays
    runner, model = fake_runner(cite_new)
    stored = [
        SummaryPoint(section="who", text="ООО Ромашка, тел. +79001234567", cites=[]),
        SummaryPoint(section="promises", text="Иван обещал счёт", cites=[5]),
    ]
    out = await summarize(runner, card=card, previous=stored, last_message_id=10, new=views(11, 1))
    assert "тел. +79001234567" not in user_text(model.seen[-1]).split("New messages:")[0]
    assert "Иван обещал счёт" in user_text(model.seen[-1])
    assert all(p.section in NARRATIVE for p in out.points)
    # the request reaches the model without its number, which it would cite as a message id
    prompt = user_text(model.seen[-1])
    assert "request: new: 30 стульев, due 2026-11-27 15:00" in prompt
    assert "#12" not in prompt and "#14" not in prompt


async def test_the_prompt_holds_the_stored_summary_and_only_new_messages(fake_runner: Build) -> None:
    runner, model = fake_runner(cite_new)
    previous = [SummaryPoint(section="recent", text="старое", cites=[5])]
    out = await summarize(
        runner, card=ClientCard("Ромашка"), previous=previous, last_message_id=10, new=views(11, 2)
    )
    prompt = user_text(model.seen[-1])
    assert "старое" in prompt and "id=11" in prompt and "id=5 " not in prompt
    assert out.last_message_id == 12


async def test_prompt_size_does_not_grow_with_history(fake_runner: Build) -> None:
    """A backlog is folded batch by batch: each call sees at most BATCH messages + the summary."""
    runner, model = fake_runner(cite_new)
    out = await summarize(runner, card=ClientCard("Р"), previous=[], last_message_id=0, new=views(1, MAX_NEW))
    sizes = [len(user_text(m)) for m in model.seen]
    assert out.calls == MAX_NEW // BATCH > 1 and max(sizes) < 1.3 * min(sizes)


async def test_a_long_backlog_is_read_from_its_latest_messages(fake_runner: Build) -> None:
    runner, model = fake_runner(cite_new)
    total = MAX_NEW + 2 * BATCH + 7
    out = await summarize(runner, card=ClientCard("Р"), previous=[], last_message_id=0, new=views(1, total))
    shown = {int(i) for m in model.seen for i in re.findall(r"id=(\d+)", user_text(m))}
    assert out.calls == MAX_NEW // BATCH and out.skipped == total - MAX_NEW
    assert min(shown) == total - MAX_NEW + 1 and out.last_message_id == total


@pytest.mark.storage
async def test_rolling_summary_is_stored_and_only_new_messages_are_read_next_time(
    db: Database, fake_runner: Build
) -> None:
    runner, model = fake_runner(cite_new)
    policy = IntakePolicy()
    for n in range(3):
        await accept(
            db, inbound(f"e{n}", text=f"вопрос {n}", sent_at=NOW + timedelta(minutes=n)), policy=policy
        )
    client = Client(name="ООО Ромашка", inn="7707083893")
    client_id = await client_owning_all(db, client, what="сверка за ноябрь", due_at=NOW)
    _, first = await summarize_client(db, runner, client_id)
    card = user_text(model.seen[-1]).split("New messages:")[0]
    assert first.calls == 1 and "7707083893" in card
    assert f"request: new: сверка за ноябрь, due {NOW:%Y-%m-%d %H:%M}" in card and "#" not in card
    await accept(db, inbound("e9", text="новый вопрос", sent_at=NOW + timedelta(hours=1)), policy=policy)
    _, second = await summarize_client(db, runner, client_id)
    assert second.calls == 1 and user_text(model.seen[-1]).count("<message>") == 1
    async with db.session() as session:
        stored = (await session.execute(select(ClientSummary))).scalars().one()
    assert stored.messages_covered == 4 and stored.last_message_id == second.last_message_id
    _, third = await summarize_client(db, runner, client_id)
    assert third.calls == 0  # nothing new: no model call


@pytest.mark.storage
async def test_the_summary_reads_the_conversation_not_service_mail_bots_or_undelivered_replies(
    db: Database, fake_runner: Build
) -> None:
    runner, model = fake_runner(cite_new)
    policy = IntakePolicy()
    await accept(db, inbound("c1", text="Нужен акт сверки", sent_at=NOW), policy=policy)
    at = NOW + timedelta(minutes=1)
    await accept(db, inbound("c2", kind="system", text="Автоответ: я в отпуске", sent_at=at), policy=policy)
    client_id = await client_owning_all(db, Client(name="ООО Ромашка"), what="акт", due_at=NOW)
    async with db.session() as session:
        first = (
            (await session.execute(select(Message).where(col(Message.message_key) == "c1"))).scalars().one()
        )
        staff = Staff(name="Анна Петрова", role="manager")
        session.add(staff)
        await session.flush()
        for n, (author, status, text) in enumerate(
            [
                (None, "sent", "Здравствуйте! Это бот бухгалтерии."),  # the client bot's own answer
                (staff.id, "failed", "Акт подготовим до пятницы."),  # bounced: the client never read it
                (staff.id, "delivered", "Акт отправили."),
            ]
        ):
            session.add(
                Message(
                    conversation_id=first.conversation_id,
                    request_id=first.request_id,
                    channel="api",
                    account="site",
                    message_key=f"okno-out:{n}",
                    direction="outbound",
                    author_staff_id=author,
                    kind="text",
                    text=text,
                    sent_at=NOW + timedelta(minutes=2 + n),
                    delivery_status=status,
                )
            )
        await session.commit()
        read = await history.messages_since(session, client_id, 0)
    assert [(m.author, m.text) for m in read] == [
        ("client", "Нужен акт сверки"),
        ("Анна Петрова", "Акт отправили."),
    ]
    await summarize_client(db, runner, client_id)
    prompt = user_text(model.seen[-1])
    assert "Акт отправили." in prompt and "до пятницы" not in prompt and "бот бухгалтерии" not in prompt


def test_the_prompt_fences_a_model_copies_are_taken_out_of_a_point() -> None:
    from assistant.chains.summary import _checked

    text = "api client: <message>Будем искать другую бухгалтерию.</message>"
    copied = NarrativePoint(section="mood", text=text, cites=[7])
    kept, dropped = _checked([copied], {7})
    assert (kept[0].text, kept[0].cites, dropped) == ("api client: Будем искать другую бухгалтерию.", [7], 0)


@pytest.mark.storage
async def test_a_backlog_is_loaded_from_its_latest_messages_and_the_rest_counted(
    db: Database, fake_runner: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An imported mailbox is not loaded whole to read its tail: the query keeps the latest MAX_NEW."""
    import assistant.history as history

    monkeypatch.setattr(history, "MAX_NEW", 2)
    runner, model = fake_runner(cite_new)
    policy = IntakePolicy()
    for n in range(5):
        await accept(
            db, inbound(f"b{n}", text=f"вопрос {n}", sent_at=NOW + timedelta(minutes=n)), policy=policy
        )
    client_id = await client_owning_all(db, Client(name="ООО Ромашка"), what="сверка", due_at=NOW)
    async with db.session() as session:
        assert await history.count_since(session, client_id, 0) == 5
        latest = await history.messages_since(session, client_id, 0, newest=2)
        # counted up to the newest one read: a message arriving after the read is the next run's
        assert await history.count_since(session, client_id, 0, latest[0].id) == 4
    assert [m.text for m in latest] == ["вопрос 3", "вопрос 4"]
    _, result = await summarize_client(db, runner, client_id)
    assert result.skipped == 3 and "вопрос 2" not in user_text(model.seen[-1])
    async with db.session() as session:
        stored = (await session.execute(select(ClientSummary))).scalars().one()
    assert stored.messages_covered == 2 and stored.last_message_id == latest[-1].id


async def test_open_conflict_alerts_reach_the_card_and_may_be_cited(fake_runner: Build) -> None:
    """The conflict check flagged an older message: the summary sees its verified quote and may cite it."""

    def cite_alert(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
        found = re.search(r"open alert: churn_threat, message id=(\d+)", user_text(messages))
        assert found is not None
        return {"points": [{"section": "risks", "text": "грозит уйти", "cites": [int(found[1])]}]}

    runner, model = fake_runner(cite_alert)
    card = ClientCard("Р", alerts=(CardAlert("churn_threat", "будем искать другую бухгалтерию", 4),))
    out = await summarize(runner, card=card, previous=[], last_message_id=10, new=views(11, 1))
    assert "<message>будем искать другую бухгалтерию</message>" in user_text(model.seen[-1])
    assert [(p.section, p.cites) for p in out.points] == [("risks", [4]), ("recent", [11])]


@pytest.mark.storage
async def test_the_card_holds_the_client_open_conflict_alerts_only(db: Database) -> None:
    from assistant.history import client_card
    from storage.models import Alert

    policy = IntakePolicy()
    first = await accept(db, inbound("a1", text="Будем искать другую бухгалтерию."), policy=policy)
    second = await accept(db, inbound("a2", text="Вы опять опоздали."), policy=policy)
    client_id = await client_owning_all(db, Client(name="ООО Ромашка"), what="отчёт", due_at=NOW)
    async with db.session() as session:
        quit_, late = "искать другую бухгалтерию", "опять опоздали"
        session.add(Alert(kind="conflict", category="churn_threat", client_id=client_id,
                          evidence_quote=quit_, source_message_id=first.message_id))  # fmt: skip
        session.add(Alert(kind="conflict", category="missed_deadline", client_id=client_id,
                          status="dismissed", evidence_quote=late,
                          source_message_id=second.message_id))  # fmt: skip
        session.add(Alert(kind="sla_breach", client_id=client_id, source_message_id=second.message_id))
        await session.commit()
        card = await client_card(session, client_id)
    assert card.alerts == (CardAlert("churn_threat", "искать другую бухгалтерию", first.message_id or 0),)


def test_a_point_repeating_an_earlier_one_is_dropped() -> None:
    from assistant.chains.summary import _checked

    same = "Ольга пишет о документах за октябрь."
    texts = {"mood": f"{same} "}  # spacing and case do not make it another point
    points = [NarrativePoint(section=s, text=texts.get(s, same), cites=[6]) for s in NARRATIVE]
    points.append(NarrativePoint(section="risks", text="Грозит уйти.", cites=[6]))
    kept, _ = _checked(points, {6})
    assert [(p.section, p.text) for p in kept] == [("recent", same), ("risks", "Грозит уйти.")]


def test_a_point_that_only_names_the_client_or_a_contact_is_dropped() -> None:
    """The demo's 1.5B summary of Ромашка had "Ирина Соколова" and "ООО «Ромашка»" as points."""
    from assistant.chains.summary import _checked

    card = ClientCard("ООО «Ромашка»", "7707083893", ("Ирина Соколова +79161234567",))
    texts = ["Ирина Соколова", "ООО «Ромашка».", "ромашка", "…", "Ирина просит акт сверки.", "соколов"]
    points = [NarrativePoint(section="recent", text=t, cites=[6]) for t in texts]
    kept, _ = _checked(points, {6}, card)
    assert [p.text for p in kept] == ["Ирина просит акт сверки.", "соколов"]  # whole words only


def test_a_point_of_names_only_is_dropped() -> None:
    """The demo's staff-bot summary of Ромашка had "ООО «Поставщик-М»" (not the client), citing ten."""
    from assistant.chains.summary import _checked

    texts = ["ООО «Поставщик-М»", "John Smith", "ИНН 7707083893", "Директору", "Грозит уйти.", "Quote sent."]
    texts += ["Ирина Соколова просит акт сверки с ООО «Поставщик-М»."]
    kept, _ = _checked([NarrativePoint(section="recent", text=t, cites=[6]) for t in texts], {6})
    assert [p.text for p in kept] == texts[-3:]


def test_a_promise_only_the_client_tells_is_kept_under_recent() -> None:
    """The demo's 1.5B summary had "promises: Ольга Ким предложила найти другую бухгалтерию" (the client's
    own threat to leave). A promise is ours: it cites a staff message or names a staff member."""
    from assistant.chains.summary import _checked

    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    batch = [
        MessageView(5, at, "telegram", "client", "Если не получим акт — будем искать другую бухгалтерию."),
        MessageView(6, at, "telegram", "Анна Петрова", "Пришлём акт до пятницы."),
        MessageView(7, at, "telegram", "client", "Анна обещала акт до пятницы, ждём."),
    ]
    promises = {
        "Ольга Ким предложила найти другую бухгалтерию.": [5],  # the client's words: recent
        "Анна Петрова обещала акт до пятницы.": [6],  # a staff message
        "Анна обещала прислать акт до пятницы.": [7],  # the client tells a promise of our staff member
        "Акт обещан до пятницы.": [5, 6],
        "Обещан звонок.": [3],  # an earlier batch's message: its author is not at hand
    }
    points = [NarrativePoint(section="promises", text=t, cites=c) for t, c in promises.items()]
    kept, _ = _checked(points, {3, 5, 6, 7}, batch=batch)
    assert [p.section for p in kept] == ["recent", "promises", "promises", "promises", "promises"]


def test_a_staff_promise_told_as_the_clients_contacts_is_quoted_instead() -> None:
    """The demo's 1.5B summary: "Ольга Ким предложила отправить закрывающие документы сегодня. (Анна
    Петрова)" for Анна Петрова's own message; the quote of what she wrote replaces it."""
    from assistant.chains.summary import ClientCard, _checked

    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    batch = [
        MessageView(5, at, "api", "client", "Третий раз пишу! Где закрывающие документы?"),
        MessageView(6, at, "api", "Анна Петрова", "Ольга, извините. Отправлю закрывающие документы сегодня."),
        MessageView(7, at, "api", "Анна Петрова", "Счёт отправили."),
    ]
    card = ClientCard(name="ООО «СтройМаркет»", contacts=("Ольга Ким +7 903 555-00-11 olga@stroymarket.ru",))
    promises = {
        "Ольга Ким предложила отправить закрывающие документы сегодня.": [6],  # told as the client's
        "Анна Петрова отправит Ольге Ким документы сегодня.": [6],  # names the author: kept
        "Отправим документы сегодня.": [6],  # names no one: its author is added
        "Ольга Ким ждёт документы сегодня.": [5, 6],  # cites the client too: kept as written
    }
    points = [NarrativePoint(section="promises", text=t, cites=c) for t, c in promises.items()]
    kept, _ = _checked(points, {5, 6, 7}, card, batch, "ru", UTC)
    texts = [p.text for p in kept]
    assert texts[0] == "Анна Петрова, 01.12: «Ольга, извините. Отправлю закрывающие документы сегодня.»"
    assert kept[0].cites == [6] and kept[0].section == "promises"
    assert texts[1:] == [
        "Анна Петрова отправит Ольге Ким документы сегодня.",
        "Отправим документы сегодня. (Анна Петрова)",
        "Ольга Ким ждёт документы сегодня. (Анна Петрова)",
    ]
    # without the card no contact is known: the point stays, with its author added
    unknown, _ = _checked(points[:1], {5, 6, 7}, None, batch)
    assert unknown[0].text.startswith("Ольга Ким предложила") and unknown[0].text.endswith("(Анна Петрова)")
    # the contact's email and phone are no names ("olga", "com" do not match words of a point)
    assert not _checked(
        [NarrativePoint(section="promises", text="Отправим olga счёт в com-формате сегодня.", cites=[7])],
        {7},
        card,
        batch,
    )[0][0].text.startswith("Анна Петрова, ")


def test_a_point_citing_a_staff_message_names_who_wrote_it() -> None:
    """The 1.5B model copied "Претензию получили, приедем на осмотр в понедельник." as a point, without the
    staff member who promised it."""
    from assistant.chains.summary import _checked

    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    batch = [
        MessageView(5, at, "email", "client", "Направляем претензию: плитка с браком."),
        MessageView(6, at, "email", "Игорь Лебедев", "Претензию получили, приедем на осмотр в понедельник."),
        MessageView(7, at, "email", "staff", "Акт отправлен."),  # a staff message without a name
        MessageView(8, at, "email", "Анна Петрова", "Пришлю акт сверки до пятницы."),
    ]
    texts = {
        "Приедем на осмотр в понедельник.": [6],
        "Клиент прислал претензию, осмотр обещан в понедельник.": [5, 6],
        "Игорю Лебедеву поручен осмотр.": [6],  # named already, in another case
        "Лебедев обещал осмотр.": [6],
        "Клиент прислал претензию.": [5],
        "Акт отправлен.": [7],
        "Осмотр и акт сверки обещаны.": [6, 8],
        "Акт сверки будет в пятницу, обещала Анна.": [6, 8],  # one of the two is named: enough
        "Долгий текст. " * 30: [8],
    }
    points = [NarrativePoint(section="recent", text=t[:300], cites=c) for t, c in texts.items()]
    kept, _ = _checked(points, {5, 6, 7, 8}, batch=batch)
    assert [p.text for p in kept[:8]] == [
        "Приедем на осмотр в понедельник. (Игорь Лебедев)",
        "Клиент прислал претензию, осмотр обещан в понедельник. (Игорь Лебедев)",
        "Игорю Лебедеву поручен осмотр.",
        "Лебедев обещал осмотр.",
        "Клиент прислал претензию.",
        "Акт отправлен.",
        "Осмотр и акт сверки обещаны. (Игорь Лебедев, Анна Петрова)",
        "Акт сверки будет в пятницу, обещала Анна.",
    ]
    assert len(kept[8].text) == 300 and kept[8].text.endswith(" (Анна Петрова)")


async def test_the_newest_message_is_quoted_when_no_point_cites_it(fake_runner: Build) -> None:
    """The 1.5B model left out "Успели, спасибо, Павел!" and "будем искать другую бухгалтерию", the last
    messages of their batches: how things stand now."""
    cites: list[int] = [1]
    said = ["просит акт"]
    runner, _ = fake_runner(
        lambda _m, _t: {"points": [{"section": "recent", "text": said[0], "cites": list(cites)}]}
    )
    card = ClientCard("Ромашка")
    first = await summarize(runner, card=card, previous=[], last_message_id=0, new=views(1, 2))
    latest = ("Последнее сообщение клиента: «сообщение 2»", [2])
    assert [(p.text, p.cites) for p in first.points] == [("просит акт", [1]), latest]
    # the next run quotes its own newest message instead of keeping the old quote
    long = "очень " * 60 + "длинный конец"
    staff = MessageView(4, NOW, "email", "Анна Петрова", long)
    again = await summarize(
        runner, card=card, previous=first.points, last_message_id=2, new=[*views(3, 1), staff], language="en"
    )
    [quote] = [p for p in again.points if p.cites == [4]]
    assert [p.cites for p in again.points] == [[1], [4]]
    assert quote.text.startswith("Latest message (Анна Петрова): «очень очень")
    assert quote.text.endswith("очень…»")
    assert len(quote.text) < 240
    # no new messages: the stored points stand as they are
    same = await summarize(runner, card=card, previous=again.points, last_message_id=4, new=[])
    assert same.points == again.points and same.calls == 0
    unnamed = MessageView(5, NOW, "email", "staff", "Акт отправлен.")  # a staff message without a name
    quoted = await summarize(runner, card=card, previous=[], last_message_id=4, new=[unnamed])
    assert quoted.points[-1].text == "Последнее сообщение: «Акт отправлен.»"
    # a point citing the newest message and telling it needs no quote
    cites[:] = [5]
    said[0] = "клиент прислал сообщение"
    cited = await summarize(runner, card=card, previous=[], last_message_id=4, new=views(5, 1))
    assert [p.cites for p in cited.points] == [[5]]
    # one that cites it under words of its own does not tell it (the 1.5B model: "irritated" for an apology)
    said[0], cites[:] = "irritated", [6]
    apology = MessageView(6, NOW, "email", "Мария Петрова", "Приносим извинения, разберёмся.")
    cited = await summarize(runner, card=card, previous=[], last_message_id=5, new=[apology])
    assert [p.text for p in cited.points][
        -1
    ] == "Последнее сообщение (Мария Петрова): «Приносим извинения, разберёмся.»"


def test_a_staff_message_naming_a_deadline_is_quoted_where_no_promise_keeps_it() -> None:
    """The 1.5B model dropped "Извините, отправлю сегодня до 15:00." and turned "we will run the payroll
    today by 5 pm" into "by tomorrow" (dev): who promised what by when is quoted as written."""
    from assistant.chains.summary import _promised

    moscow = ZoneInfo("Europe/Moscow")
    night = datetime(2026, 11, 12, 22, 30, tzinfo=UTC)  # 13.11 01:30 in Moscow
    at = datetime(2026, 11, 13, 7, tzinfo=UTC)
    batch = [
        MessageView(401, at, "telegram", "client", "Акт сверки так и не пришёл, а сегодня уже пятница."),
        MessageView(402, night, "telegram", "Анна Петрова", "Извините, отправлю сегодня до 15:00."),
        MessageView(403, at, "email", "Игорь Лебедев", "Приедем на осмотр в понедельник."),
        MessageView(404, at, "email", "staff", "Акт отправлен."),  # no deadline: nothing to keep
        MessageView(405, at, "email", "Мария Петрова", "Оплату проверим до 20.11."),
        MessageView(406, at, "telephony", "Ольга Ким", "Клиент: пришлите документы до пятницы."),  # a call
        MessageView(407, at, "email", "staff", "Счёт пришлём завтра."),
    ]
    points = [
        SummaryPoint(section="promises", text="Анна Петрова отправит акт сегодня до 15:00.", cites=[402]),
        SummaryPoint(section="promises", text="Игорь Лебедев приедет во вторник.", cites=[403]),
        SummaryPoint(section="mood", text="Мария обещала проверить оплату.", cites=[405]),
        SummaryPoint(section="recent", text="Клиент ждёт акт сверки.", cites=[401]),
    ]
    kept = _promised(points, batch, "ru", moscow)
    assert [(p.section, p.text, p.cites) for p in kept] == [
        ("promises", "Анна Петрова отправит акт сегодня до 15:00.", [402]),  # the same deadline: kept
        ("mood", "Мария обещала проверить оплату.", [405]),  # not a promise point: stays beside the quote
        ("recent", "Клиент ждёт акт сверки.", [401]),
        ("promises", "Игорь Лебедев, 13.11: «Приедем на осмотр в понедельник.»", [403]),  # not "во вторник"
        ("promises", "Мария Петрова, 13.11: «Оплату проверим до 20.11.»", [405]),
        ("promises", "Сотрудник, 13.11: «Счёт пришлём завтра.»", [407]),
    ]
    # the company's zone dates the quote: Anna wrote at 01:30 on 13.11 Moscow time (12.11 in UTC)
    alone = _promised([], batch[1:2], "en", moscow)
    assert [p.text for p in alone] == ["Анна Петрова, 13.11: «Извините, отправлю сегодня до 15:00.»"]
    assert _promised(points[:1], batch[:2], "ru", moscow) == points[:1]  # nothing missing: as it was


def test_a_staff_message_naming_a_sum_is_quoted_where_no_point_keeps_it() -> None:
    """The 1.5B model wrote "Для 25 сотрудников 180 000 рублей в год, коммерческое предложение отправила на
    почту." as "Елена Морозова отправила коммерческое предложение на почту." (dev): the price the client was
    given is quoted; a point that keeps the sum, in any section and spelling, is enough."""
    from assistant.chains.summary import _promised

    at = datetime(2026, 11, 1, 8, tzinfo=UTC)
    batch = [
        MessageView(351, at, "telegram", "client", "Сколько стоит обслуживание? Бюджет до 200 000 руб."),
        MessageView(352, at, "telegram", "Елена Морозова", "Для 25 сотрудников 180 000 рублей в год."),
        MessageView(353, at, "email", "Игорь Лебедев", "Счёт на 64 000 ₽ во вложении."),
        MessageView(354, at, "telephony", "Ольга Ким", "Клиент: предлагают 150 000 рублей."),  # a call
    ]
    points = [
        SummaryPoint(section="recent", text="Клиент спросил о цене, бюджет 200 000 руб.", cites=[351]),
        SummaryPoint(section="promises", text="Елена отправила коммерческое предложение.", cites=[352]),
        SummaryPoint(section="recent", text="Игорь выставил счёт на 64000 руб.", cites=[353]),
    ]
    kept = _promised(points, batch, "ru", UTC)
    assert [(p.section, p.text, p.cites) for p in kept] == [
        ("recent", "Клиент спросил о цене, бюджет 200 000 руб.", [351]),  # the client's sum: not a promise
        ("recent", "Игорь выставил счёт на 64000 руб.", [353]),  # the sum kept, spelt otherwise
        ("promises", "Елена Морозова, 01.11: «Для 25 сотрудников 180 000 рублей в год.»", [352]),
    ]
    with_sum = [SummaryPoint(section="recent", text="Елена назвала цену: 180 тыс. руб. в год.", cites=[352])]
    assert _promised(with_sum, batch[1:2], "ru", UTC) == with_sum


def test_only_a_batchs_latest_promises_are_quoted() -> None:
    from assistant.chains.summary import PROMISES_PER_BATCH, _promised

    at = datetime(2026, 11, 13, 7, tzinfo=UTC)
    batch = [MessageView(i, at, "api", "staff", f"Пришлём документ №{i} завтра.") for i in range(1, 7)]
    kept = _promised([], batch, "en", UTC)
    assert [p.cites for p in kept] == [[i] for i in range(7 - PROMISES_PER_BATCH, 7)]
    assert kept[0].text.startswith("Staff, 13.11: «")
    long = [MessageView(1, at, "api", "Анна Петрова", "Пришлём завтра. " + "Подробности. " * 40)]
    (quoted,) = _promised([], long, "ru", UTC)
    assert len(quoted.text) <= 300 and quoted.text.endswith("…»")


def test_a_point_loses_the_introduction_and_greeting_it_copied() -> None:
    """The demo's staff-bot summary began "ООО «Ромашка», ИНН 7707083893. Нужно подготовить акт сверки…":
    the card above it shows the company and INN."""
    from assistant.chains.summary import _checked

    texts = [
        "ООО «Ромашка», ИНН 7707083893. Нужно подготовить акт сверки с поставщиком до пятницы.",
        "Добрый день! Клиент просит счёт за ноябрь.",
        "ООО «Ромашка», ИНН 7707083893.",  # nothing else: only names, dropped
    ]
    points = [NarrativePoint(section="recent", text=t, cites=[1]) for t in texts]
    kept, _ = _checked(points, {1})
    assert [p.text for p in kept] == [
        "Нужно подготовить акт сверки с поставщиком до пятницы.",
        "Клиент просит счёт за ноябрь.",
    ]
