"""Viber's shapes for the Viber stand-in: what a send_message body of each type must carry, and the
callbacks Viber posts to a bot's webhook."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

Problem = tuple[int, str]  # (Viber status, status_message)
BAD_DATA = 3
MISSING_DATA = 4
MAX_TEXT = 7000
MAX_CAPTION = 768
MAX_SENDER_NAME = 28


def _text(body: dict[str, Any]) -> Problem | None:
    text = body.get("text")
    if not isinstance(text, str) or not text:
        return MISSING_DATA, "missingData: text"
    return (BAD_DATA, "badData: text is over 7000 characters") if len(text) > MAX_TEXT else None


def _media(*required: str) -> Callable[[dict[str, Any]], Problem | None]:
    def check(body: dict[str, Any]) -> Problem | None:
        media = body.get("media")
        if not isinstance(media, str) or not media.startswith(("http://", "https://")):
            return MISSING_DATA, "missingData: media"
        for name in required:
            if name not in body:
                return MISSING_DATA, f"missingData: {name}"
        if "size" in required and not isinstance(body["size"], int):
            return BAD_DATA, "badData: size"
        return None

    return check


def _picture(body: dict[str, Any]) -> Problem | None:
    text = body.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_CAPTION:
        return BAD_DATA, "badData: a picture's text is a string of at most 768 characters"
    return _media()(body)


def _sticker(body: dict[str, Any]) -> Problem | None:
    return None if isinstance(body.get("sticker_id"), int) else (MISSING_DATA, "missingData: sticker_id")


SEND_TYPES: dict[str, Callable[[dict[str, Any]], Problem | None]] = {
    "text": _text,
    "picture": _picture,
    "video": _media("size"),
    "file": _media("size", "file_name"),
    "url": _media(),
    "sticker": _sticker,
}


def envelope_problem(body: dict[str, Any]) -> Problem | None:
    """receiver, sender.name (at most 28 characters), a known type, and a keyboard Viber can draw."""
    if not isinstance(body.get("receiver"), str) or not body["receiver"]:
        return MISSING_DATA, "missingData: receiver"
    sender = body.get("sender")
    name = sender.get("name") if isinstance(sender, dict) else None
    if not isinstance(name, str) or not name:
        return MISSING_DATA, "missingData: sender.name"
    if len(name) > MAX_SENDER_NAME:
        return BAD_DATA, "badData: sender.name is over 28 characters"
    kind = body.get("type")
    if kind not in SEND_TYPES:
        return BAD_DATA, f"badData: unknown type {kind!r}"
    return _keyboard(body.get("keyboard")) or SEND_TYPES[kind](body)


def _keyboard(keyboard: object) -> Problem | None:
    if keyboard is None:
        return None
    buttons = keyboard.get("Buttons") if isinstance(keyboard, dict) else None
    if not isinstance(keyboard, dict) or keyboard.get("Type") != "keyboard" or not isinstance(buttons, list):
        return BAD_DATA, "badData: keyboard"
    for button in buttons:
        if not isinstance(button, dict) or not isinstance(button.get("ActionBody"), str):
            return BAD_DATA, "badData: keyboard button without ActionBody"
    return None


def token() -> int:
    """A message token as Viber makes them: a 64-bit number (JSON number, not a string)."""
    return 5_000_000_000_000_000_000 + secrets.randbelow(10**18)


def callback(event: str, at: datetime | None = None, **fields: Any) -> dict[str, Any]:
    """The common envelope of every callback: event, timestamp (Unix ms), chat_hostname, message_token."""
    stamp = int((at.timestamp() if at else time.time()) * 1000)
    return {
        "event": event,
        "timestamp": stamp,
        "chat_hostname": "SN-CHAT-07_",
        "message_token": token(),
        **fields,
    }


def user(user_id: str, name: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "name": name,
        "avatar": "https://media-direct.cdn.viber.com/download_photo?dlid=avatar&fltp=jpg",
        "language": "ru",
        "country": "RU",
        "api_version": 10,
    }
