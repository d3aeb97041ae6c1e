"""Webhook mode end to end over real loopback HTTP: the sandbox Bot API pushes an update to okno's webhook
with the secret header -> RawEvent -> request -> manager reply -> the sandbox got the right sendMessage."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlmodel import col, select

from storage.models import Message, Outbox, RawEvent, Request
from tests.channels.telegram.conftest import TelegramLive
from tests.channels.telegram.updates import GROUP, IVAN, IVAN_ID, OLGA, message, text_update
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage


async def set_webhook(live: TelegramLive) -> None:
    """As okno does on start: aiogram's Bot, pointed at the sandbox, registers the webhook and its secret."""
    server = TelegramAPIServer.from_base(str(live.account.config["api_base"]))
    bot = Bot(live.account.secrets["bot_token"], session=AiohttpSession(api=server))
    try:
        assert await bot.set_webhook(live.webhook_url, secret_token=live.account.secrets["webhook_secret"])
    finally:
        await bot.session.close()


async def test_update_in_request_stored_reply_out(tg_live: TelegramLive) -> None:
    await set_webhook(tg_live)
    token = tg_live.account.secrets["bot_token"]
    tg_live.sandbox.inject(
        token, text_update(9001, 77, "Здравствуйте! ООО «Ромашка», ИНН 7707083893, нужен акт сверки")
    )
    await tg_live.sandbox.flush()
    assert tg_live.sandbox.webhook_deliveries == [(tg_live.webhook_url, 200)]
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        stored = (await session.execute(select(Message))).scalars().one()
        request = (await session.execute(select(Request))).scalars().one()
    assert (stored.channel, stored.message_key, stored.kind) == ("telegram", f"{IVAN['id']}:77", "text")
    assert stored.request_id == request.id and request.inn == "7707083893"

    await queue_reply(
        tg_live.services.db,
        tg_live.services.queue,
        request_id=request.id or 0,
        staff_id=tg_live.staff_id,
        text="Добрый день! Подготовим акт до пятницы.",
    )
    await tg_live.drain()
    sent = tg_live.sandbox.sent("sendMessage")
    assert len(sent) == 1
    assert str(sent[0]["chat_id"]) == str(IVAN["id"])
    assert sent[0]["text"] == "Добрый день! Подготовим акт до пятницы."
    assert sent[0]["reply_parameters"]["message_id"] == 77


async def test_group_of_two_client_employees_is_one_conversation(tg_live: TelegramLive) -> None:
    for update_id, (user, text) in enumerate([(IVAN, "Нужна сверка"), (OLGA, "И счёт за ноябрь")], start=1):
        body = {"update_id": update_id, "message": message(10 + update_id, user=user, chat=GROUP, text=text)}
        assert await tg_live.post_update(body) == 200
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        rows = (await session.execute(select(Message).order_by(col(Message.id)))).scalars().all()
    assert [m.conversation_id for m in rows] == [rows[0].conversation_id] * 2
    assert rows[0].author_contact_id != rows[1].author_contact_id  # sender per message


async def test_reply_in_a_forum_topic_goes_to_the_topic(tg_live: TelegramLive) -> None:
    forum = {**GROUP, "is_forum": True}
    body = text_update(1, 31, "Вопрос по НДС", chat=forum, message_thread_id=30, is_topic_message=True)
    assert await tg_live.post_update(body) == 200
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    await queue_reply(
        tg_live.services.db,
        tg_live.services.queue,
        request_id=request.id or 0,
        staff_id=tg_live.staff_id,
        text="Ответили в теме",
    )
    await tg_live.drain()
    [sent] = tg_live.sandbox.sent("sendMessage")
    assert (int(sent["chat_id"]), int(sent["message_thread_id"])) == (GROUP["id"], 30)


async def test_wrong_secret_is_403_and_nothing_is_stored(
    tg_live: TelegramLive, caplog: pytest.LogCaptureFixture
) -> None:
    body = text_update(5, 5, "Чужой запрос")
    assert await tg_live.post_update(body, secret="not-the-secret") == 403
    assert await tg_live.post_update(body, secret="") == 403
    assert "refused: wrong secret token" in caplog.text
    await tg_live.drain()
    assert await tg_live.count(RawEvent) == 0 and await tg_live.count(Message) == 0


async def test_unknown_account_is_403(tg_live: TelegramLive) -> None:
    async with tg_live.http.post(
        tg_live.url + "/telegram/nobody/webhook",
        json=text_update(1, 1, "x"),
        headers={"X-Telegram-Bot-Api-Secret-Token": ""},
    ) as response:
        assert response.status == 403
    assert await tg_live.count(RawEvent) == 0


async def test_malformed_json_is_400_and_the_raw_bytes_are_kept(tg_live: TelegramLive) -> None:
    broken = b'{"update_id": 7, "message": {"text": '
    assert await tg_live.post_update(broken) == 400
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        raw = (await session.execute(select(RawEvent))).scalars().one()
    assert raw.status == "anomalous" and raw.body == broken and "not JSON" in (raw.reason or "")
    assert await tg_live.count(Message) == 0


async def test_unknown_update_kind_is_kept_and_answered_200(tg_live: TelegramLive) -> None:
    assert await tg_live.post_update({"update_id": 8, "new_update_kind": {"x": 1}}) == 200
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        raw = (await session.execute(select(RawEvent))).scalars().one()
    assert raw.status == "unsupported" and "new_update_kind" in (raw.reason or "")


async def test_redelivered_update_changes_nothing(tg_live: TelegramLive) -> None:
    body = text_update(12, 12, "Повтор")
    assert [await tg_live.post_update(body) for _ in range(3)] == [200, 200, 200]
    await tg_live.drain()
    assert await tg_live.count(Message) == 1 and await tg_live.count(RawEvent) == 3


async def reply_to_first_request(live: TelegramLive, text: str) -> Outbox:
    assert await live.post_update(text_update(60, 60, "Нужна выписка")) == 200
    await live.drain()
    async with live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    outbox = await queue_reply(
        live.services.db, live.services.queue, request_id=request.id or 0, staff_id=live.staff_id, text=text
    )
    await live.drain()
    async with live.services.db.session() as session:
        row = await session.get(Outbox, outbox.id)
    assert row is not None
    return row


async def test_blocked_bot_fails_the_outbox_row_with_the_reason_without_retrying(
    tg_live: TelegramLive,
) -> None:
    tg_live.sandbox.blocked_chats.add(IVAN_ID)
    row = await reply_to_first_request(tg_live, "Выписку отправили")
    assert row.status == "failed" and "bot was blocked by the user" in (row.last_error or "")
    assert row.attempts == 1 and tg_live.sandbox.sent("sendMessage") == []
    async with tg_live.services.db.session() as session:  # the reply on the timeline says so too
        assert (await session.get(Message, row.message_id)).delivery_status == "failed"  # type: ignore[union-attr]


async def test_429_is_retried_after_retry_after_and_sent_once(tg_live: TelegramLive) -> None:
    tg_live.sandbox.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    row = await reply_to_first_request(tg_live, "Выписку отправили")
    assert row.status == "sent" and row.attempts == 2
    assert [p["text"] for p in tg_live.sandbox.sent("sendMessage")] == ["Выписку отправили"]


async def test_a_reply_to_a_client_who_blocked_the_bot_fails_and_marks_them_unreachable(
    tg_live: TelegramLive,
) -> None:
    from storage.models import ChannelIdentity

    body = {"update_id": 1, "message": message(5, user=IVAN, text="Нужна справка")}
    assert await tg_live.post_update(body) == 200
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    tg_live.sandbox.blocked_chats.add(IVAN_ID)
    await queue_reply(
        tg_live.services.db,
        tg_live.services.queue,
        request_id=request.id or 0,
        staff_id=tg_live.staff_id,
        text="Справка готова",
    )
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        outbox = (await session.execute(select(Outbox))).scalars().one()
        identity = (await session.execute(select(ChannelIdentity))).scalars().one()
    assert outbox.status == "failed" and "403" in (outbox.last_error or "") and outbox.attempts == 1
    assert identity.reachable is False
