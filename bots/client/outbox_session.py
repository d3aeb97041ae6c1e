"""An aiogram session that sends nothing: what the dialogue says is collected, then written to the Outbox by
the job that fed the update (so it is sent once, with retries, like every other reply)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, Message


@dataclass(frozen=True)
class Said:
    chat_id: str
    text: str
    thread_id: int | None = None


@dataclass
class OutboxSession(BaseSession):
    said: list[Said] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if not isinstance(method, SendMessage):
            raise RuntimeError(
                f"the client bot speaks only through the Outbox; {type(method).__name__} is not sent"
            )
        self.said.append(Said(str(method.chat_id), method.text, method.message_thread_id))
        chat_id = int(method.chat_id) if str(method.chat_id).lstrip("-").isdigit() else 0
        answer: Any = Message(
            message_id=0, date=datetime.now(UTC), chat=Chat(id=chat_id, type="private"), text=method.text
        )
        return answer  # type: ignore[no-any-return]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise RuntimeError("the client bot downloads nothing")
        yield b""  # pragma: no cover

    async def close(self) -> None:
        return None
