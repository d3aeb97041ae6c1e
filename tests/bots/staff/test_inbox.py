"""One inbox in Telegram: a WhatsApp client's message is mirrored into its own forum topic (once, however
often the job runs); a manager's reply in the topic reaches the client through the Graph API stand-in and
sets the first response; /note stays internal; /done, /assign, /due act on the topic's request."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bots.staff.mirror import mirror_reply, mirror_to_topic
from channels.whatsapp.send import WhatsAppSender
from channels.whatsapp.window import CustomerWindow
from intake.schema import AttachmentRef
from okno.app import build_app
from sandbox.whatsapp import GraphApiStandIn
from storage.models import ForumTopic, Message, Request, RequestNote
from storage.repos.accounts import add_channel_account
from storage.repos.saved_replies import save_my_reply, save_saved_reply
from storage.types import utcnow
from tests.bots.staff.conftest import DATE, FORUM, StaffDesk, texts
from tests.channels.whatsapp.conftest import account_of
from tests.conftest import start_app
from workers.outbound import enqueue_send, queue_notice, queue_reply
from workers.whatsapp import StoredLastInbound

pytestmark = pytest.mark.storage
WA_ID = "79161234567"
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
async def graph(desk: StaffDesk) -> AsyncIterator[GraphApiStandIn]:
    """okno serving the WhatsApp webhook, a whatsapp account on the Graph API stand-in."""
    stand_in = GraphApiStandIn(access_token=secrets.token_urlsafe(24), app_secret=secrets.token_hex(16))
    graph_runner, stand_in.base_url = await start_app(stand_in.app())
    services = desk.services
    view = account_of(stand_in)
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="whatsapp",
            name=view.name,
            config=dict(view.config),
            secrets=dict(view.secrets),
        )
        await session.commit()
    sender = WhatsAppSender(window=CustomerWindow(StoredLastInbound(services.db)), blobs=services.jobs.blobs)
    services.jobs.senders = {**services.jobs.senders, "whatsapp": sender}
    runner, url = await start_app(build_app(services, sweep=False))
    stand_in.webhook_url = f"{url}/whatsapp/{view.name}/webhook"
    yield stand_in
    await sender.close()
    await runner.cleanup()
    await graph_runner.cleanup()


async def _client_writes(desk: StaffDesk, graph: GraphApiStandIn, text: str) -> None:
    desk.services.jobs.clock = lambda: datetime.now(UTC)  # the WhatsApp window checks real time
    await graph.client_writes(WA_ID, "Ирина Соколова", {"type": "text", "text": {"body": text}})
    await desk.drain()  # ingest -> accept -> mirror_to_topic (a follow-up)


async def test_a_reply_in_the_topic_reaches_the_whatsapp_client(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    await _client_writes(desk, graph, "Добрый день! Нужна справка 2-НДФЛ до пятницы")
    [topic_call] = desk.api.sent("createForumTopic")
    assert topic_call["name"] == "Ирина Соколова · whatsapp" and int(topic_call["chat_id"]) == FORUM
    [mirrored] = desk.api.sent("sendMessage")
    thread = int(mirrored["message_thread_id"])
    assert "Нужна справка 2-НДФЛ" in mirrored["text"] and mirrored["text"].startswith(
        "🟢 Ирина Соколова · whatsapp"
    )
    calls = await desk.write(7001, "Ирина, добрый день! Подготовим к четвергу.", chat_id=FORUM, thread=thread)
    assert calls == []  # the answer goes to the client, not back into the topic
    await desk.drain()  # send_outbox -> WhatsAppSender -> the Graph API stand-in
    [sent] = graph.sent
    assert sent["to"] == WA_ID and sent["text"]["body"] == "Ирина, добрый день! Подготовим к четвергу."
    async with desk.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
        reply = (
            (await session.execute(select(Message).where(Message.direction == "outbound"))).scalars().one()
        )
    assert request.status == "in_work" and request.first_response_at is not None
    assert request.assignee_id == desk.staff["Анна"].id and reply.author_staff_id == desk.staff["Анна"].id


async def test_mirroring_is_idempotent_per_message(desk: StaffDesk, graph: GraphApiStandIn) -> None:
    await _client_writes(desk, graph, "Первый вопрос")
    await _client_writes(desk, graph, "Второй вопрос")
    async with desk.services.db.session() as session:
        ids = [m.id for m in (await session.execute(select(Message).order_by(col(Message.id)))).scalars()]
        assert (
            len((await session.execute(select(ForumTopic))).scalars().all()) == 1
        )  # one conversation, one topic
    for message_id in ids:  # a redelivered job posts nothing twice
        assert await mirror_to_topic({"okno": desk.app}, message_id or 0) == "mirrored"
    assert len(desk.api.sent("createForumTopic")) == 1
    assert [p["text"].splitlines()[-1] for p in desk.api.sent("sendMessage")] == [
        "Первый вопрос",
        "Второй вопрос",
    ]


async def test_topic_commands_act_on_the_request_and_notes_stay_internal(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    await _client_writes(desk, graph, "Нужен акт сверки")
    thread = int(desk.api.sent("sendMessage")[0]["message_thread_id"])
    [noted] = texts(
        await desk.write(7003, "/note клиент просил звонить после обеда", chat_id=FORUM, thread=thread)
    )
    assert "Заметка сохранена" in noted
    [assigned] = texts(await desk.write(7003, "/assign @Иван", chat_id=FORUM, thread=thread))
    assert "Иван Соколов" in assigned
    [due] = texts(await desk.write(7003, "/due 01.12", chat_id=FORUM, thread=thread))
    assert "01.12.2026 18:00" in due
    [done] = texts(await desk.write(7003, "/done", chat_id=FORUM, thread=thread))
    assert "закрыта" in done
    await desk.drain()
    assert graph.sent == []  # nothing of this went to the client
    async with desk.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
        [note] = (await session.execute(select(RequestNote))).scalars().all()
    assert (request.status, request.assignee_id) == ("done", desk.staff["Иван"].id)
    assert request.due_at is not None and request.field_sources["due_at"]["source"] == "manager"
    assert note.text == "клиент просил звонить после обеда" and note.source == "telegram"


async def test_wait_in_the_topic_makes_the_request_wait_for_the_client(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    await _client_writes(desk, graph, "Нужен акт сверки")
    thread = int(desk.api.sent("sendMessage")[0]["message_thread_id"])
    desk.now = datetime.now(UTC)  # the client wrote at the real time (the WhatsApp window)
    desk.services.jobs.clock = lambda: desk.now

    def msk(moment: datetime) -> str:
        return moment.astimezone(MOSCOW).strftime("%d.%m %H:%M")

    [bad] = texts(await desk.write(7001, "/wait когда-нибудь", chat_id=FORUM, thread=thread))
    assert bad == "Не понял дату, например: /wait 10.12 или /wait до пятницы"
    [waits] = texts(await desk.write(7001, "/wait до пятницы", chat_id=FORUM, thread=thread))
    async with desk.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    friday = request.waiting_until
    assert request.status == "waiting_client" and friday is not None
    local = friday.astimezone(MOSCOW)
    assert (local.weekday(), local.hour) == (4, 18) and friday - desk.now <= timedelta(days=7)
    told = "промолчит — напомню ответственному."
    assert waits == f"⏳ Заявка #{request.id}: ждём клиента до {msk(friday)}; {told}"
    [again] = texts(await desk.write(7001, "/wait", chat_id=FORUM, thread=thread))
    # again, without a date: the company's two days (no calendar set: calendar days) from now
    assert again == f"⏳ Заявка #{request.id}: ждём клиента до {msk(desk.now + timedelta(days=2))}; {told}"
    [past] = texts(await desk.write(7001, "/wait 01.01.2020", chat_id=FORUM, thread=thread))
    assert past == "Дата уже прошла: 01.01 18:00. Например: /wait 10.12"
    await desk.write(7001, "/done", chat_id=FORUM, thread=thread)
    [refused] = texts(await desk.write(7001, "/wait", chat_id=FORUM, thread=thread))
    assert refused.startswith("Нельзя: ") and "done -> waiting_client" in refused
    assert graph.sent == []  # nothing of this went to the client


async def test_the_staff_group_keeps_the_companys_time_for_a_member_in_another_zone(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    """Everyone reads a topic: Anna in Krasnoyarsk writes «/due 01.12» there and means the company's day."""
    await _client_writes(desk, graph, "Нужен акт сверки")
    thread = int(desk.api.sent("sendMessage")[0]["message_thread_id"])
    await desk.write(7001, "/tz Красноярск")
    [due] = texts(await desk.write(7001, "/due 01.12", chat_id=FORUM, thread=thread))
    assert "01.12.2026 18:00" in due
    async with desk.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    assert request.due_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 18:00 in Moscow


async def test_a_saved_reply_goes_by_its_code_filled_in_for_the_topics_request(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    """«/реквизиты» in a client's topic sends the company's saved reply with the client's name, the request's
    number and the sender's name put in, and shows the member what went; a code no reply has, a placeholder
    without a value and an unknown «/команда с словами» send nothing and say why (they vanished before)."""
    async with desk.services.db.session() as session:
        text = "{имя}, добрый день! Реквизиты по заявке #{номер} во вложении к договору. {Менеджер}"
        await save_saved_reply(session, code="реквизиты", text=text, staff_id=desk.staff["Виктор"].id)
        await save_saved_reply(session, code="акт", text="Акт для {компания} готов.", staff_id=None)
        # another member's own reply of a code: not Анна's to list or send
        await save_my_reply(session, staff_id=desk.staff["Виктор"].id or 0, code="акт", text="Мой акт.")
        await session.commit()
    await _client_writes(desk, graph, "Пришлите реквизиты, пожалуйста")
    thread = int(desk.api.sent("sendMessage")[0]["message_thread_id"])
    async with desk.services.db.session() as session:
        request_id = (await session.execute(select(Request))).scalars().one().id
    filled = (
        f"Ирина Соколова, добрый день! Реквизиты по заявке #{request_id} во вложении к договору. Анна Петрова"
    )
    [shown] = texts(await desk.write(7001, "/Реквизиты@okno_staff_bot", chat_id=FORUM, thread=thread))
    assert shown == f"✉️ Отправлено клиенту:\n{filled}"
    await desk.drain()
    [sent] = graph.sent
    assert sent["to"] == WA_ID and sent["text"]["body"] == filled
    [unknown] = texts(await desk.write(7001, "/реквезиты", chat_id=FORUM, thread=thread))  # a typo
    assert unknown == "Клиенту не отправлено: быстрого ответа /реквезиты нет. Список: /replies"
    [unfilled] = texts(await desk.write(7001, "/акт", chat_id=FORUM, thread=thread))
    assert "{компания}" in unfilled and unfilled.startswith("Клиенту не отправлено")
    [words] = texts(await desk.write(7001, "/срочно перезвоните клиенту", chat_id=FORUM, thread=thread))
    assert words.startswith("Клиенту не отправлено: такой команды нет")
    [listed] = texts(await desk.write(7001, "/replies", chat_id=FORUM, thread=thread))
    assert listed.splitlines()[1:] == ["/акт — Акт для {компания} готов.", f"/реквизиты — {text[:79]}…"]
    await desk.drain()
    assert len(graph.sent) == 1  # nothing more reached the client
    async with desk.services.db.session() as session:
        outbound = (await session.execute(select(Message).where(Message.direction == "outbound"))).scalars()
        assert [m.text for m in outbound] == [filled]


async def test_the_topic_holds_the_answers_given_elsewhere_and_those_the_client_did_not_get(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    """A colleague answered from the web: the Telegram side saw only the client's half of the conversation.
    Now a sent answer joins the topic (not one written there), and one the client did not get says so there,
    whoever wrote it."""
    await _client_writes(desk, graph, "Когда будет акт сверки?")
    thread = int(desk.api.sent("sendMessage")[0]["message_thread_id"])
    async with desk.services.db.session() as session:
        request_id = (await session.execute(select(Request))).scalars().one().id or 0
    # from the web (or the API): the same queue_reply, with nothing shown in the topic
    await queue_reply(
        desk.services.db, desk.app.queue, request_id=request_id, staff_id=desk.staff["Иван"].id or 0,
        text="Акт сверки пришлём завтра до обеда.",
    )  # fmt: skip
    await desk.drain()
    head = f"↩️ Иван Соколов → клиенту · whatsapp · заявка #{request_id}"
    mirrored = desk.api.sent("sendMessage")[1:]
    assert [(int(m["message_thread_id"]), m["text"]) for m in mirrored] == [
        (thread, f"{head}\nАкт сверки пришлём завтра до обеда.")
    ]
    # written in the topic: it is there already
    await desk.write(7001, "Ирина, уточню у бухгалтера.", chat_id=FORUM, thread=thread)
    await desk.drain()
    assert len(graph.sent) == 2 and len(desk.api.sent("sendMessage")) == 2
    # the client's WhatsApp refused it for good: the topic hears, though Анна wrote it there
    graph.fail_next.append((400, 131026))
    await desk.write(7001, "Акт во вложении к письму.", chat_id=FORUM, thread=thread)
    await desk.drain()
    [failed] = desk.api.sent("sendMessage")[2:]
    assert failed["text"].startswith(
        f"⚠️ Клиенту не доставлено · Анна Петрова · whatsapp · заявка #{request_id}: "
    )
    assert "131026" in failed["text"] and failed["text"].endswith("\nАкт во вложении к письму.")
    # okno's own words to the client (the out-of-hours notice, the rating question) are there too
    notice = await queue_notice(
        desk.services.db, request_id=request_id, text="Сейчас нерабочее время.", at=utcnow(), key="okno-t:1"
    )
    assert notice is not None
    await enqueue_send(desk.app.queue, notice)
    await desk.drain()
    assert desk.api.sent("sendMessage")[3]["text"] == (
        f"↩️ okno → клиенту · whatsapp · заявка #{request_id}\nСейчас нерабочее время."
    )
    for message_id in range(1, 7):  # a redelivered job posts nothing twice
        await mirror_reply({"okno": desk.app}, message_id)
    assert len(desk.api.sent("sendMessage")) == 4
    # WhatsApp took Иван's answer and reported it undeliverable later: the topic hears that too
    errors = [{"code": 131026, "title": "Message undeliverable", "error_data": {"details": "Undeliverable."}}]
    await graph.report_status(graph.sent[0]["_wamid"], "failed", errors=errors)
    await desk.drain()
    late = desk.api.sent("sendMessage")[4]["text"]
    assert late.startswith(
        f"⚠️ Клиенту не доставлено · Иван Соколов · whatsapp · заявка #{request_id}: 131026"
    )
    assert late.endswith("\nАкт сверки пришлём завтра до обеда.") and len(desk.api.sent("sendMessage")) == 5


async def test_a_file_only_answer_is_mirrored_by_its_files_names(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    """An answer from the web with a file and no text: the topic reads what was sent, not an empty line."""
    await _client_writes(desk, graph, "Пришлите акт сверки")
    async with desk.services.db.session() as session:
        request_id = (await session.execute(select(Request))).scalars().one().id or 0
    key = await desk.services.jobs.blobs.put(b"%PDF-1.4 akt")
    act = AttachmentRef(
        kind="document", filename="Акт сверки.pdf", mime="application/pdf", size=12, blob_key=key
    )
    await queue_reply(
        desk.services.db, desk.app.queue, request_id=request_id, staff_id=desk.staff["Иван"].id or 0,
        text="", attachments=(act,),
    )  # fmt: skip
    await desk.drain()
    assert graph.sent[-1]["document"]["filename"] == "Акт сверки.pdf"
    mirrored = desk.api.sent("sendMessage")[-1]["text"]
    assert mirrored == f"↩️ Иван Соколов → клиенту · whatsapp · заявка #{request_id}\n📎 Акт сверки.pdf"


async def test_spam_in_the_topic_blocks_the_contact_and_nothing_more_comes_of_them(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    await _client_writes(desk, graph, "Продвижение в поиске, первый месяц бесплатно")
    thread = int(desk.api.sent("sendMessage")[0]["message_thread_id"])
    async with desk.services.db.session() as session:
        request_id = (await session.execute(select(Request))).scalars().one().id
    [said] = texts(await desk.write(7001, "/spam", chat_id=FORUM, thread=thread))
    assert said.startswith(f"🚫 Контакт заблокирован как спам, отменены заявки: #{request_id}.")
    await _client_writes(desk, graph, "Напоминаем о нашем предложении!")
    assert len(desk.api.sent("sendMessage")) == 2  # the topic's first post and the bot's answer, no more
    async with desk.services.db.session() as session:
        requests = (await session.execute(select(Request))).scalars().all()
        assert [(r.id, r.status) for r in requests] == [(request_id, "cancelled")]


async def test_a_document_posted_in_the_topic_reaches_the_client_with_its_caption(
    desk: StaffDesk, graph: GraphApiStandIn
) -> None:
    """A Telegram-first team answers with the act as a file in the client's topic: the staff bot downloads
    it, and it goes to the WhatsApp client as a document with the caption; one past what a bot may download
    is refused in the topic, and nothing goes."""
    await _client_writes(desk, graph, "Пришлите акт сверки за ноябрь")
    thread = int(desk.api.sent("sendMessage")[0]["message_thread_id"])
    act = b"%PDF-1.4 akt sverki " + bytes(2000)

    def posted(file_id: str, size: int) -> dict[str, object]:
        return {
            "message": {
                "message_id": next(desk.ids), "from": desk.user(7001), "date": DATE,
                "chat": {"id": FORUM, "type": "supergroup", "title": "Сотрудники", "is_forum": True},
                "message_thread_id": thread, "is_topic_message": True, "caption": "Ирина, акт во вложении.",
                "document": {"file_id": file_id, "file_unique_id": file_id[-8:], "file_size": size,
                             "file_name": "Акт сверки.pdf", "mime_type": "application/pdf"},
            }
        }  # fmt: skip

    calls = await desk.feed(posted(desk.api.add_file(act), len(act)))
    assert not any(c["method"] == "sendMessage" for c in calls)  # nothing to say: it went
    await desk.drain()
    [sent] = graph.sent
    assert sent["document"]["filename"] == "Акт сверки.pdf" and sent["document"]["caption"] == (
        "Ирина, акт во вложении."
    )
    assert [m.data for m in graph.media.values()] == [act]
    too_big = 21 * 1024 * 1024
    calls = await desk.feed(posted(desk.api.add_file(b"x", size=too_big), too_big))
    assert any("боту Telegram доступны файлы до 20 МБ" in str(c.get("text")) for c in calls)
    await desk.drain()
    assert len(graph.sent) == 1
