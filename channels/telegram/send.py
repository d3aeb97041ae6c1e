"""Replies to Telegram clients: text in ≤4096-character parts, files by file_id, URL or okno's own bytes (a
manager's upload, in blob storage), in the right topic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from channels.base import AccountView, SendFailed, SendResult
from channels.telegram.bots import BotPool, MissingToken
from channels.telegram.choices import choice_data
from channels.telegram.keys import split_conversation_key, split_message_key
from channels.telegram.split import split_text
from channels.throttle import Throttle
from intake.schema import AttachmentRef, OutboundMessage

log = logging.getLogger(__name__)
NETWORK_TRIES = 3
INLINE_WAIT_MAX_S = 10  # later parts of a split reply wait out a short 429 rather than resend the first
NETWORK_RETRY_AFTER_S = 5.0
# Telegram's bulk limit: about 30 messages a second per bot; a broadcast stays under it (channels/throttle)
MESSAGES_PER_SECOND = 25.0
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # the Bot API's sendPhoto limit; a larger picture goes as a document
BlobReader = Callable[[str], Awaitable[bytes]]  # the bytes of a file okno keeps, by its blob key


class TelegramSender:
    channel = "telegram"

    def __init__(
        self,
        pool: BotPool | None = None,
        *,
        per_second: float = MESSAGES_PER_SECOND,
        blobs: BlobReader | None = None,
    ) -> None:
        self.pool = pool or BotPool()
        self.throttle = Throttle(per_second)
        self.blobs = blobs

    async def close(self) -> None:
        await self.pool.close()

    async def send(self, account: AccountView, message: OutboundMessage) -> SendResult:
        try:
            bot = self.pool.get(account)
        except MissingToken as exc:
            raise SendFailed(str(exc)) from None
        chat, thread = split_conversation_key(message.conversation_key)
        calls = _calls(bot, chat, thread, message, await self._uploads(message))
        if not calls:
            raise SendFailed("nothing to send: no text and no attachment Telegram can take")
        first: Message | None = None
        for index, call in enumerate(calls):
            await self.throttle.wait(account.name)
            sent = await _with_retries(call, later_part=index > 0)
            first = first or sent
        assert first is not None
        return SendResult(
            platform_message_id=f"{first.chat.id}:{first.message_id}", detail=f"{len(calls)} call(s)"
        )

    async def _uploads(self, message: OutboundMessage) -> dict[str, bytes]:
        """The bytes of the files Telegram has no handle for (a manager's upload), by blob key."""
        keys = {r.blob_key for r in message.attachments if r.blob_key and not (r.file_id or r.url)}
        if keys and self.blobs is None:
            raise SendFailed("this Telegram sender reads no stored files (no blob reader given)")
        return {key: await self.blobs(key) for key in keys} if self.blobs else {}


def _calls(
    bot: Bot, chat: str, thread: int | None, message: OutboundMessage, uploads: dict[str, bytes]
) -> list[Call]:
    """The Bot API calls of one reply; only the first quotes the client's message."""
    quoted = split_message_key(message.reply_to_key)
    reply = (
        ReplyParameters(message_id=quoted[1], allow_sending_without_reply=True)
        if quoted and quoted[0] == chat
        else None
    )
    calls: list[Call] = []
    parts = split_text(message.text) if message.text else []
    for index, part in enumerate(parts):
        buttons = _buttons(message.choices) if index == len(parts) - 1 else None  # under the last part
        calls.append(
            _bind(bot.send_message, chat_id=chat, text=part, message_thread_id=thread, reply_markup=buttons)
        )
    for ref in message.attachments:
        if call := _file_call(bot, chat, thread, ref, uploads):
            calls.append(call)
    if calls and reply is not None:
        calls[0] = _with_reply(calls[0], reply)
    return calls


def _buttons(choices: tuple[str, ...]) -> InlineKeyboardMarkup | None:
    """One row of okno's answer buttons; a press comes back as the client's text (events.callback)."""
    row = [
        InlineKeyboardButton(text=choice, callback_data=data)
        for choice in choices
        if (data := choice_data(choice)) is not None
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


def _file_call(
    bot: Bot, chat: str, thread: int | None, ref: AttachmentRef, uploads: dict[str, bytes]
) -> Call | None:
    handle: str | BufferedInputFile | None = ref.file_id or ref.url
    if not handle and ref.blob_key in uploads:
        data = uploads[ref.blob_key or ""]
        handle = BufferedInputFile(data, filename=ref.filename or "file")
        if ref.kind == "image" and len(data) > PHOTO_MAX_BYTES:
            return _bind(bot.send_document, chat_id=chat, document=handle, message_thread_id=thread)
    if not handle:
        log.warning("telegram reply attachment %r has no file_id, URL or stored file; skipped", ref.filename)
        return None
    if ref.kind == "image":
        return _bind(bot.send_photo, chat_id=chat, photo=handle, message_thread_id=thread)
    if ref.kind == "voice":
        return _bind(bot.send_voice, chat_id=chat, voice=handle, message_thread_id=thread)
    return _bind(bot.send_document, chat_id=chat, document=handle, message_thread_id=thread)


@dataclass(frozen=True)
class Call:
    """One Bot API call, kept as data so the reply can be added to whichever call goes first."""

    method: Callable[..., Awaitable[Message]]
    kwargs: dict[str, Any]

    async def __call__(self) -> Message:
        return await self.method(**self.kwargs)


def _bind(method: Callable[..., Awaitable[Message]], **kwargs: Any) -> Call:
    return Call(method, kwargs)


def _with_reply(call: Call, reply: ReplyParameters) -> Call:
    return Call(call.method, {**call.kwargs, "reply_parameters": reply})


async def _with_retries(call: Call, *, later_part: bool) -> Message:
    for attempt in range(1, NETWORK_TRIES + 1):
        try:
            return await call()
        except TelegramRetryAfter as exc:
            if later_part and exc.retry_after <= INLINE_WAIT_MAX_S:
                await asyncio.sleep(exc.retry_after)
                continue
            raise SendFailed(
                f"429 Too Many Requests: {exc.message}", retry_after=float(exc.retry_after)
            ) from None
        except TelegramForbiddenError as exc:
            # Blocked or kicked: retrying cannot help, and the client is unreachable here until they return.
            raise SendFailed(f"403 {exc.message}", unreachable=True) from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.warning("telegram send try %d failed: %s", attempt, exc.message)
            if attempt == NETWORK_TRIES:
                raise SendFailed(f"network: {exc.message}", retry_after=NETWORK_RETRY_AFTER_S) from None
            await asyncio.sleep(0.2 * 2**attempt)
        except TelegramAPIError as exc:
            raise SendFailed(f"refused: {exc.message}") from None
    raise SendFailed("429 Too Many Requests after waiting", retry_after=NETWORK_RETRY_AFTER_S)
