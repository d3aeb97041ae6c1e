"""The state of the loopback Bot API (sandbox/telegram.py): bots, files, recorded calls, API errors."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Protocol


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Call:
    method: str
    token: str
    params: dict[str, Any]
    at: float
    ok: bool = False
    error: str | None = None


@dataclass
class FileEntry:
    file_id: str
    file_unique_id: str
    data: bytes
    size: int
    path: str


@dataclass
class BotState:
    token: str
    bot_id: int
    username: str
    pending: list[dict[str, Any]] = field(default_factory=list)
    next_update: int = 100_000
    webhook_url: str = ""
    webhook_secret: str = ""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    message_ids: dict[int, int] = field(default_factory=dict)
    topics: dict[int, int] = field(default_factory=dict)

    def next_update_id(self) -> int:
        self.next_update += 1
        return self.next_update - 1

    def user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "okno", "username": self.username}

    def new_message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        number = self.message_ids.get(chat_id, 1000) + 1
        self.message_ids[chat_id] = number
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        message: dict[str, Any] = {
            "message_id": number,
            "from": self.user(),
            "chat": chat,
            "date": int(time.time()),
        }
        if thread := params.get("message_thread_id"):
            message.update(message_thread_id=int(thread), is_topic_message=True)
        return message


class SandboxView(Protocol):
    files: dict[str, FileEntry]
    blocked_chats: set[int]
    require_https: bool

    def add_file(self, data: bytes, *, size: int | None = None, path: str | None = None) -> str: ...
