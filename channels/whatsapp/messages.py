"""One small handler per WhatsApp message type (Zulip-style table): message object -> Draft."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from channels.base import AnomalousPayload, UnsupportedEvent
from channels.json_shape import Obj, obj, objects, optional, string
from channels.whatsapp.texts import text as say
from intake.schema import AttachmentRef, MessageKind, ThreadHints

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")


@dataclass(frozen=True)
class Draft:
    """What a handler knows; parse.py adds the envelope (ids, sender, time)."""

    kind: MessageKind = "text"
    text: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    message_key: str | None = None  # another message this event is about (reaction, edit, revoke)
    reply_to_key: str | None = None
    thread_hints: ThreadHints = field(default_factory=ThreadHints)
    sender_id: str | None = None  # number change: the wa_id the client writes from from now on
    sender_phone: str | None = None


def context_reply(item: Obj) -> str | None:
    context = item.get("context")
    return optional(context, "id") if isinstance(context, dict) else None


def _joined(*parts: str | None) -> str | None:
    return "\n".join(p for p in parts if p) or None


def _forwarded(item: Obj) -> str | None:
    context = item.get("context")
    forwarded = isinstance(context, dict) and (
        context.get("forwarded") or context.get("frequently_forwarded")
    )
    return say("forwarded") if forwarded else None


def _referral(item: Obj) -> tuple[str | None, ThreadHints]:
    """Ad-click context: a readable line in the text and the ad's headline as the thread subject."""
    referral = item.get("referral")
    if not isinstance(referral, dict):
        return None, ThreadHints()
    headline = optional(referral, "headline") or optional(referral, "source_id") or ""
    url = optional(referral, "source_url") or ""
    line = say("referral", headline=headline, url=url).replace("  ", " ")
    refs = tuple(v for v in (url, optional(referral, "ctwa_clid")) if v)
    return line, ThreadHints(subject=headline or None, references=refs)


def text_message(item: Obj, where: str) -> Draft:
    body = string(obj(item, "text", where), "body", f"{where}.text")
    ad_line, hints = _referral(item)
    return Draft(text=_joined(_forwarded(item), body, ad_line), thread_hints=hints)


def media_message(item: Obj, where: str) -> Draft:
    kind = string(item, "type", where)
    media = obj(item, kind, where)
    ad_line, hints = _referral(item)
    return Draft(
        kind="media",
        text=_joined(_forwarded(item), optional(media, "caption"), ad_line),
        attachments=(media_ref(kind, media, f"{where}.{kind}"),),
        thread_hints=hints,
    )


def media_ref(kind: str, media: Obj, where: str) -> AttachmentRef:
    """The media id is kept as file_id: the fetch job resolves it to bytes later, and may retry."""
    ref_kind = "voice" if kind == "audio" and media.get("voice") is True else kind
    return AttachmentRef(
        kind=ref_kind,
        filename=optional(media, "filename"),
        mime=optional(media, "mime_type"),
        file_id=string(media, "id", where),
        url=optional(media, "url"),
    )


def location_message(item: Obj, where: str) -> Draft:
    location = obj(item, "location", where)
    lat, lon = location.get("latitude"), location.get("longitude")
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        raise AnomalousPayload(f"{where}.location needs numeric latitude and longitude")
    place = ", ".join(p for p in (optional(location, "name"), optional(location, "address")) if p)
    point = f"{lat}, {lon}"
    return Draft(
        text=_joined(_forwarded(item), say("location", place=f"{place} ({point})" if place else point)),
        attachments=(
            AttachmentRef(
                kind="location", filename=place or None, url=optional(location, "url") or f"geo:{lat},{lon}"
            ),
        ),
    )


def contacts_message(item: Obj, where: str) -> Draft:
    """Shared contact cards: names and phones in the text, one `contact` attachment (tel: URL) per card."""
    lines, refs = [], []
    for index, card in enumerate(objects(item, "contacts", where)):
        name_obj = card.get("name")
        name = optional(name_obj, "formatted_name") if isinstance(name_obj, dict) else None
        phones = [
            optional(p, "phone") or optional(p, "wa_id") or ""
            for p in objects(card, "phones", f"{where}.contacts[{index}]")
        ]
        phones = [p for p in phones if p]
        lines.append(say("contact", name=name or "—", phones=", ".join(phones)).strip())
        first = phones[0].replace(" ", "").replace("-", "") if phones else None
        refs.append(AttachmentRef(kind="contact", filename=name, url=f"tel:{first}" if first else None))
    if not refs:
        raise AnomalousPayload(f"{where}.contacts is empty")
    return Draft(text="\n".join(lines), attachments=tuple(refs))


def interactive_message(item: Obj, where: str) -> Draft:
    interactive = obj(item, "interactive", where)
    kind = string(interactive, "type", f"{where}.interactive")
    reply = obj(interactive, kind, f"{where}.interactive")
    if kind in ("button_reply", "list_reply"):
        title = string(reply, "title", f"{where}.interactive.{kind}")
        return Draft(text=_joined(title, optional(reply, "description")))
    if kind == "nfm_reply":
        return Draft(text=_flow_answers(reply))
    if kind == "call_permission_reply":
        return Draft(kind="system", text=say("call_permission", response=optional(reply, "response") or "?"))
    raise UnsupportedEvent(f"message {item.get('id')}: interactive type {kind!r} is not supported")


def _flow_answers(reply: Obj) -> str:
    try:
        answers = json.loads(str(reply.get("response_json") or "{}"))
    except (json.JSONDecodeError, RecursionError):
        answers = {}
    shown = (
        "; ".join(f"{k}: {v}" for k, v in answers.items() if k != "flow_token")
        if isinstance(answers, dict)
        else ""
    )
    return say(
        "flow_reply", name=optional(reply, "name") or "flow", answers=shown or optional(reply, "body") or ""
    )


def button_message(item: Obj, where: str) -> Draft:
    button = obj(item, "button", where)
    return Draft(text=optional(button, "text") or string(button, "payload", f"{where}.button"))


def reaction_message(item: Obj, where: str) -> Draft:
    """Attached to the message it reacts to; an empty emoji is Meta's way of taking a reaction back."""
    reaction = obj(item, "reaction", where)
    return Draft(
        kind="reaction",
        text=optional(reaction, "emoji"),
        message_key=string(reaction, "message_id", f"{where}.reaction"),
    )


def order_message(item: Obj, where: str) -> Draft:
    order = obj(item, "order", where)
    items = [
        say(
            "order_item",
            item=optional(p, "product_retailer_id") or "?",
            quantity=optional(p, "quantity") or "?",
            price=optional(p, "item_price") or "?",
            currency=optional(p, "currency") or "",
        ).strip()
        for p in objects(order, "product_items", f"{where}.order")
    ]
    summary = say("order", catalog=optional(order, "catalog_id") or "—", items="; ".join(items))
    return Draft(text=_joined(optional(order, "text"), summary))


def system_message(item: Obj, where: str) -> Draft:
    system = obj(item, "system", where)
    body = optional(system, "body")
    if system.get("type") == "user_changed_number":
        # The new wa_id becomes an identity of the contact known by the old number (the phone evidence).
        new_id = string(system, "wa_id", f"{where}.system")
        return Draft(kind="system", text=body, sender_id=new_id, sender_phone=string(item, "from", where))
    return Draft(kind="system", text=body or optional(system, "type"))


def edit_message(item: Obj, where: str) -> Draft:
    edit = obj(item, "edit", where)
    original = string(edit, "original_message_id", f"{where}.edit")
    inner = obj(edit, "message", f"{where}.edit")
    kind = optional(inner, "type") or ""
    found = inner.get(kind)
    content: Obj = found if isinstance(found, dict) else {}
    new_text = optional(content, "body") or optional(content, "caption")
    return Draft(kind="edit", text=new_text, message_key=original)


def revoke_message(item: Obj, where: str) -> Draft:
    """A deletion is kept as an edit: the old text stays in the edit history, as a business record should."""
    revoke = obj(item, "revoke", where)
    return Draft(kind="edit", text=say("deleted"), message_key=string(revoke, "original_message_id", where))


Handler = Callable[[Obj, str], Draft]
HANDLERS: dict[str, Handler] = {
    "text": text_message,
    **dict.fromkeys(MEDIA_TYPES, media_message),
    "location": location_message,
    "contacts": contacts_message,
    "interactive": interactive_message,
    "button": button_message,
    "reaction": reaction_message,
    "order": order_message,
    "system": system_message,
    "edit": edit_message,
    "revoke": revoke_message,
}
