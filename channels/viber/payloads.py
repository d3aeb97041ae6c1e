"""send_message bodies: text (cut to Viber's 7,000 characters), files by public URL, and a reply keyboard
for the answers a client may tap (OutboundMessage.choices): a press comes back as the client's text."""

from __future__ import annotations

from typing import Any

from channels.base import SendFailed
from channels.telegram.split import split_text
from channels.viber.texts import text as say
from intake.schema import AttachmentRef, OutboundMessage

Body = dict[str, Any]
MAX_TEXT = 7000
MAX_CAPTION = 768  # a picture's text
# what Viber shows inline; anything else goes as a file (a 3 MB scan, a .mov)
PICTURE_MIMES = ("image/jpeg", "image/png", "image/gif")
MAX_PICTURE = 1024 * 1024
MAX_VIDEO = 26 * 1024 * 1024
GRID = 6  # a keyboard row is six columns wide


def envelope(to: str, sender: dict[str, str]) -> Body:
    return {"receiver": to, "min_api_version": 1, "sender": sender}


def keyboard(choices: tuple[str, ...]) -> Body:
    width = max(1, GRID // len(choices)) if len(choices) <= GRID else 1
    buttons = [
        {"Columns": width, "Rows": 1, "ActionType": "reply", "ActionBody": c, "Text": c} for c in choices
    ]
    return {"Type": "keyboard", "DefaultHeight": False, "Buttons": buttons}


def file_body(ref: AttachmentRef, caption: str | None) -> Body:
    """A file Viber fetches from its URL: a picture, a video or a file (the last two need the size)."""
    url = ref.url or ""
    if not url.startswith(("https://", "http://")):
        raise SendFailed(say("file_only_in_okno", name=ref.filename or ref.kind))
    if ref.kind == "sticker" or _picture(ref):
        return {"type": "picture", "media": url, "text": caption or ""}
    if ref.size is None:
        return {"type": "url", "media": url}  # without its size Viber takes a file only as a link
    if ref.kind == "video" and _shown(ref, ("video/mp4",), MAX_VIDEO):
        return {"type": "video", "media": url, "size": ref.size}
    return {
        "type": "file",
        "media": url,
        "size": ref.size,
        "file_name": ref.filename or url.rsplit("/", 1)[-1],
    }


def _picture(ref: AttachmentRef) -> bool:
    return ref.kind == "image" and _shown(ref, PICTURE_MIMES, MAX_PICTURE)


def _shown(ref: AttachmentRef, mimes: tuple[str, ...], most: int) -> bool:
    """Whether Viber shows this file inline: a type it plays, within its size (unknown type or size: as
    before, trusting the kind)."""
    return (ref.mime is None or ref.mime in mimes) and (ref.size is None or ref.size <= most)


def bodies(to: str, sender: dict[str, str], message: OutboundMessage) -> list[Body]:
    """Every send_message body of one reply, in order; the keyboard rides on the last one."""
    refs = message.attachments
    text = message.text or ""
    captioned = len(refs) == 1 and _picture(refs[0]) and len(text) <= MAX_CAPTION
    parts: list[Body] = (
        [] if captioned or not text else [{"type": "text", "text": p} for p in split_text(text, MAX_TEXT)]
    )
    parts += [file_body(ref, text if captioned else None) for ref in refs]
    if not parts:
        raise SendFailed(say("nothing_to_send"))
    if message.choices:
        parts[-1] = {**parts[-1], "keyboard": keyboard(message.choices)}
    return [{**envelope(to, sender), **part} for part in parts]
