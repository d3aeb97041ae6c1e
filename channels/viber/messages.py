"""One small handler per Viber message type (Zulip-style table): the callback's `message` object -> Draft.

Files arrive as a public `media` URL that expires: it is kept as the attachment's URL, and the fetch job
(workers/viber.py) moves the bytes into blob storage while it still works."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from channels.base import AnomalousPayload
from channels.json_shape import Obj, obj, optional, string
from channels.viber.texts import text as say
from intake.schema import AttachmentRef, MessageKind


@dataclass(frozen=True)
class Draft:
    """What a handler knows; parse.py adds the envelope (token, sender, time)."""

    kind: MessageKind = "text"
    text: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()


def _size(message: Obj) -> int | None:
    size = message.get("size")
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None


def text_message(message: Obj, where: str) -> Draft:
    return Draft(text=string(message, "text", where))


def _file(kind: str) -> Callable[[Obj, str], Draft]:
    def handle(message: Obj, where: str) -> Draft:
        ref = AttachmentRef(
            kind=kind,
            filename=optional(message, "file_name"),
            size=_size(message),
            url=string(message, "media", where),
        )
        return Draft(kind="media", text=optional(message, "text"), attachments=(ref,))

    return handle


def sticker_message(message: Obj, where: str) -> Draft:
    """The sticker's picture is a `media` URL like any file; its id is kept as the name."""
    sticker = optional(message, "sticker_id")
    ref = AttachmentRef(
        kind="sticker",
        filename=f"sticker-{sticker}.png" if sticker else None,
        url=string(message, "media", where),
    )
    return Draft(kind="media", text=say("sticker"), attachments=(ref,))


def url_message(message: Obj, where: str) -> Draft:
    """A shared link is the client's words, not a file."""
    return Draft(text=string(message, "media", where))


def contact_message(message: Obj, where: str) -> Draft:
    contact = obj(message, "contact", where)
    name = optional(contact, "name")
    phone = optional(contact, "phone_number")
    if not name and not phone:
        raise AnomalousPayload(f"{where}.contact has neither name nor phone_number")
    dialable = phone.replace(" ", "").replace("-", "") if phone else None
    ref = AttachmentRef(kind="contact", filename=name, url=f"tel:{dialable}" if dialable else None)
    return Draft(text=say("contact", name=name or "—", phone=phone or "").strip(), attachments=(ref,))


def location_message(message: Obj, where: str) -> Draft:
    location = obj(message, "location", where)
    lat, lon = location.get("lat"), location.get("lon")
    if not _number(lat) or not _number(lon):
        raise AnomalousPayload(f"{where}.location needs numeric lat and lon")
    address = optional(location, "address")
    ref = AttachmentRef(kind="location", filename=address, url=f"geo:{lat},{lon}")
    line = say("location", lat=lat, lon=lon)
    return Draft(text=f"{line} ({address})" if address else line, attachments=(ref,))


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


Handler = Callable[[Obj, str], Draft]
FILE_TYPES = {"picture": "image", "video": "video", "file": "document"}
HANDLERS: dict[str, Handler] = {
    "text": text_message,
    **{viber: _file(kind) for viber, kind in FILE_TYPES.items()},
    "sticker": sticker_message,
    "url": url_message,
    "contact": contact_message,
    "location": location_message,
}
