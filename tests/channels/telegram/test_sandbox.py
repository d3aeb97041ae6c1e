"""The loopback Bot API answers aiogram's Bot like Telegram: shapes, checks, errors, files."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import InputMediaPhoto

from tests.channels.telegram.conftest import TOKEN, Sandbox

CHAT = 5011


@pytest.fixture
async def bot(tg: Sandbox) -> AsyncIterator[Bot]:
    client = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    yield client
    await client.session.close()


async def test_get_me_and_send_message(bot: Bot, tg: Sandbox) -> None:
    me = await bot.get_me()
    assert me.username == "romashka_help_bot" and me.is_bot
    sent = await bot.send_message(CHAT, "Здравствуйте", message_thread_id=None)
    assert sent.chat.id == CHAT and sent.text == "Здравствуйте"
    assert tg.api.sent("sendMessage") == [{"chat_id": str(CHAT), "text": "Здравствуйте"}]


async def test_raw_envelope_of_an_error(tg: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.url}/bot{TOKEN}/sendMessage", json={"chat_id": CHAT}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }
        async with http.get(f"{tg.url}/bot{TOKEN}/noSuchMethod") as response:
            assert response.status == 404 and (await response.json())["description"] == "Not Found"


@pytest.mark.parametrize(
    ("kwargs", "description"),
    [
        ({"text": "x" * 4097}, "message is too long"),
        ({"text": "x", "parse_mode": "BBCode"}, "unsupported parse_mode"),
    ],
)
async def test_send_message_checks(bot: Bot, kwargs: dict[str, str], description: str) -> None:
    with pytest.raises(TelegramBadRequest, match=description):
        await bot.send_message(CHAT, **kwargs)  # type: ignore[arg-type]


async def test_wrong_token_is_401(tg: Sandbox) -> None:
    other = Bot("42:WRONGWRONGWRONG", session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await other.get_me()
    finally:
        await other.session.close()


async def test_blocked_and_rate_limited(bot: Bot, tg: Sandbox) -> None:
    tg.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as limited:
        await bot.send_message(CHAT, "раз")
    assert limited.value.retry_after == 3
    tg.api.blocked_chats.add(CHAT)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(CHAT, "два")


async def test_get_updates_conflicts_with_a_webhook(bot: Bot, tg: Sandbox) -> None:
    tg.api.inject(TOKEN, {"message": {"message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private"}}})
    assert [u.update_id for u in await bot.get_updates()] == [100_000]
    assert await bot.set_webhook("http://127.0.0.1:1/hook", secret_token="abc_DEF-1")
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    with pytest.raises(TelegramBadRequest, match="unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:1/hook", secret_token="no spaces!")
    assert await bot.delete_webhook()
    assert await bot.get_updates(offset=100_001) == []


async def test_files_download_and_the_20mb_limit(bot: Bot, tg: Sandbox) -> None:
    small = tg.api.add_file(b"%PDF-1.7 invoice")
    huge = tg.api.add_file(b"big", size=21 * 1024 * 1024)
    info = await bot.get_file(small)
    assert info.file_size == 16 and info.file_path
    downloaded = await bot.download_file(info.file_path)
    assert downloaded is not None and downloaded.read() == b"%PDF-1.7 invoice"
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file(huge)
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


async def test_media_group_topics_edits_and_callbacks(bot: Bot, tg: Sandbox) -> None:
    photo = tg.api.add_file(b"jpeg")
    group = await bot.send_media_group(CHAT, [InputMediaPhoto(media=photo), InputMediaPhoto(media=photo)])
    assert len(group) == 2 and group[0].media_group_id == group[1].media_group_id
    with pytest.raises(TelegramBadRequest, match="2-10"):
        await bot.send_media_group(CHAT, [InputMediaPhoto(media=photo)])
    topic = await bot.create_forum_topic(-1001500100, "Заявка #12")
    assert topic.message_thread_id == 2 and topic.name == "Заявка #12"
    edited = await bot.edit_message_text("Исправлено", chat_id=CHAT, message_id=group[0].message_id)
    assert not isinstance(edited, bool) and edited.text == "Исправлено"
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=99_999)
    assert await bot.answer_callback_query("cb-1", text="Принято")
