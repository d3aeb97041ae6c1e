"""Builders of real Bot API Update objects for tests (shapes as Telegram sends them)."""

from __future__ import annotations

from typing import Any

DATE = 1795503600  # 2026-11-24 07:00 UTC

IVAN_ID = 5011
IVAN = {"id": IVAN_ID, "is_bot": False, "first_name": "Иван", "last_name": "Петров", "username": "ivpetrov"}
OLGA = {"id": 5012, "is_bot": False, "first_name": "Ольга", "last_name": "Смирнова"}
GROUP = {"id": -1001500100, "title": "Ромашка × Бухгалтерия", "type": "supergroup"}


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "first_name": user["first_name"], "type": "private"}


def message(
    message_id: int, *, user: dict[str, Any] = IVAN, chat: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "from": user,
        "chat": chat or private_chat(user),
        "date": DATE + message_id,
        **fields,
    }


def update(update_id: int, kind: str = "message", **payload: Any) -> dict[str, Any]:
    return {"update_id": update_id, kind: payload}


def text_update(update_id: int, message_id: int, text: str, **fields: Any) -> dict[str, Any]:
    return {"update_id": update_id, "message": message(message_id, text=text, **fields)}


def photo(file_id: str, size: int = 50_000) -> list[dict[str, Any]]:
    small = {"file_id": file_id + "-s", "file_unique_id": file_id[-8:] + "s", "width": 90, "height": 67}
    big = {
        "file_id": file_id,
        "file_unique_id": file_id[-8:],
        "width": 1280,
        "height": 960,
        "file_size": size,
    }
    return [small, big]


def album(
    update_base: int, group: str, file_ids: list[str], caption: str | None = None
) -> list[dict[str, Any]]:
    """One update per part; the caption rides on the first part, as Telegram does."""
    parts = []
    for index, file_id in enumerate(file_ids):
        fields: dict[str, Any] = {"media_group_id": group, "photo": photo(file_id)}
        if caption and index == 0:
            fields["caption"] = caption
        parts.append({"update_id": update_base + index, "message": message(200 + index, **fields)})
    return parts
