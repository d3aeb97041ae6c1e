"""Webhook body -> InboundMessages: every entry, change, message and status (bodies carry several).

Fields other than `messages` (account updates, calls, templates, echoes, preferences) are refused with the
reason; a message that cannot become one is refused the same way, while the rest of the body still counts."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import ValidationError

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.json_shape import Obj, json_object, obj, objects, optional, string
from channels.whatsapp.messages import HANDLERS, Draft, context_reply
from channels.whatsapp.shape import errors_text, timestamp
from intake.schema import InboundMessage, Sender

log = logging.getLogger(__name__)
CHANNEL = "whatsapp"
OBJECT = "whatsapp_business_account"
# Meta sends "played" for voice notes; for an outbound row that means the client has read it.
STATUS_ALIASES = {"played": "read"}


@dataclass(frozen=True)
class Change:
    """What every message of one `changes[]` item shares."""

    account: str
    names: dict[str, str]  # wa_id -> profile name
    errors: str | None  # value-level errors, when Meta could not deliver the message itself
    raw_event_id: int | None


class WhatsAppAdapter:
    channel = CHANNEL

    def parse(self, raw: RawPayload) -> list[InboundMessage]:
        body = _decode(raw.body)
        parsed: list[InboundMessage] = []
        refusals: list[str] = []
        anomalies: list[str] = []
        for index, entry in enumerate(objects(body, "entry", "body")):
            for position, change in enumerate(objects(entry, "changes", f"entry[{index}]")):
                where = f"entry[{index}].changes[{position}]"
                try:
                    parsed.extend(_change(raw, change, where, refusals, anomalies))
                except UnsupportedEvent as exc:
                    refusals.append(exc.reason)
                except AnomalousPayload as exc:
                    anomalies.append(exc.reason)
        if parsed:
            for reason in (*anomalies, *refusals):
                log.info("whatsapp raw event %s: part kept unparsed: %s", raw.raw_event_id, reason)
            return parsed
        if anomalies:
            raise AnomalousPayload("; ".join(anomalies))
        raise UnsupportedEvent("; ".join(refusals) or "the body carries no entry changes")


def _decode(body: bytes) -> Obj:
    data = json_object(body)
    if data.get("object") != OBJECT:
        raise UnsupportedEvent(f"object {data.get('object')!r} is not {OBJECT!r}")
    return data


def _change(
    raw: RawPayload, change: Obj, where: str, refusals: list[str], anomalies: list[str]
) -> list[InboundMessage]:
    field = change.get("field")
    value = obj(change, "value", where)
    if field != "messages":
        raise UnsupportedEvent(f"field {field!r} is not a client message{_event_of(value)}")
    shared = Change(
        account=raw.account,
        names=_names(value, where),
        errors=errors_text(objects(value, "errors", where)) or None,
        raw_event_id=raw.raw_event_id,
    )
    found: list[InboundMessage] = []
    for kind, items, build in (("messages", "messages", _message), ("statuses", "statuses", _status)):
        for position, item in enumerate(objects(value, items, where)):
            try:
                found.append(build(shared, item, f"{where}.value.{kind}[{position}]"))
            except UnsupportedEvent as exc:
                refusals.append(exc.reason)
            except AnomalousPayload as exc:
                anomalies.append(exc.reason)
            except ValidationError as exc:  # a value past okno's limits (an id over 255 characters)
                anomalies.append(f"{where}.value.{kind}[{position}]: {exc.errors()[0]['msg']}")
    if not found and not refusals and not anomalies:
        raise UnsupportedEvent(f"{where}: a 'messages' change with no messages or statuses")
    return found


def _event_of(value: Obj) -> str:
    event = value.get("event")
    return f" (event {event})" if isinstance(event, str) else ""


def _names(value: Obj, where: str) -> dict[str, str]:
    names = {}
    for contact in objects(value, "contacts", f"{where}.value"):
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        wa_id = optional(contact, "wa_id")
        if wa_id and isinstance(name, str) and name:
            names[wa_id] = name
    return names


def _message(shared: Change, item: Obj, where: str) -> InboundMessage:
    wamid = string(item, "id", where)
    kind = string(item, "type", where)
    if kind == "unsupported" or (item.get("errors") and kind not in item):
        reason = errors_text(objects(item, "errors", where)) or shared.errors or "no reason given"
        raise UnsupportedEvent(f"message {wamid} of type {kind!r} refused by WhatsApp: {reason}")
    if kind not in item and shared.errors:
        raise UnsupportedEvent(f"message {wamid} of type {kind!r} came without content: {shared.errors}")
    handler = HANDLERS.get(kind)
    if handler is None:
        raise UnsupportedEvent(f"message {wamid}: type {kind!r} is not supported")
    draft = handler(item, where)
    wa_id = string(item, "from", where)
    return _inbound(shared, item, where, draft, wamid=wamid, wa_id=wa_id)


def _inbound(
    shared: Change, item: Obj, where: str, draft: Draft, *, wamid: str, wa_id: str
) -> InboundMessage:
    sender_id = draft.sender_id or wa_id
    return InboundMessage(
        channel=CHANNEL,
        account=shared.account,
        event_id=wamid,
        message_key=draft.message_key or wamid,
        conversation_key=wa_id,
        sender=Sender(
            external_id=sender_id,
            display_name=(shared.names.get(wa_id) or "")[:255] or None,
            phone=_e164(draft.sender_phone or sender_id),
        ),
        sent_at=timestamp(item, where),
        kind=draft.kind,
        text=draft.text,
        attachments=draft.attachments,
        reply_to_key=draft.reply_to_key or context_reply(item),
        thread_hints=draft.thread_hints,
        raw_event_id=shared.raw_event_id,
    )


def _status(shared: Change, item: Obj, where: str) -> InboundMessage:
    wamid = string(item, "id", where)
    status = string(item, "status", where)
    recipient = string(item, "recipient_id", where)
    failure = errors_text(objects(item, "errors", where)) or None
    return InboundMessage(
        channel=CHANNEL,
        account=shared.account,
        event_id=f"{wamid}:{status}",
        message_key=wamid,
        conversation_key=recipient,
        sender=Sender(
            external_id=recipient,
            display_name=shared.names.get(recipient),
            phone=_e164(recipient) if item.get("recipient_type", "individual") == "individual" else None,
        ),
        sent_at=timestamp(item, where),
        kind="status",
        status=STATUS_ALIASES.get(status, status),
        text=failure,
        raw_event_id=shared.raw_event_id,
    )


def _e164(wa_id: str) -> str:
    # A wa_id is always international; the plus keeps short numbers from being read as local ones.
    return f"+{wa_id}" if wa_id.isdigit() else wa_id
