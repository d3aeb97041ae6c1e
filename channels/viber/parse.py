"""Viber callback body -> InboundMessages: one event per body, dispatched by `event` (Zulip-style table).

`message` becomes the client's message (and proves they are subscribed: Viber subscribes a user by their
first message without a `subscribed` callback); `subscribed` / `unsubscribed` are system notes that make the
user reachable or not; `conversation_started` is a system note; `delivered` / `seen` / `failed` update the
outbound message they name. `webhook` (Viber checking the URL) and unknown events are refused with the
reason, malformed bodies kept as anomalous: the raw event stays either way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.json_shape import Obj, json_object, obj, optional, string
from channels.viber.messages import HANDLERS
from channels.viber.texts import text as say
from intake.schema import InboundMessage, Sender

CHANNEL = "viber"
# Viber's receipt names -> okno's delivery states (the Outbox's and the staff message's).
RECEIPTS = {"delivered": "delivered", "seen": "read", "failed": "failed"}


@dataclass(frozen=True)
class Callback:
    """One decoded callback and what every event of it shares."""

    raw: RawPayload
    body: Obj
    event: str

    @property
    def sent_at(self) -> datetime:
        value = self.body.get("timestamp")
        if not isinstance(value, int) or isinstance(value, bool):
            raise AnomalousPayload(f"{self.event}.timestamp must be Unix milliseconds")
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            raise AnomalousPayload(f"{self.event}.timestamp is not a time: {value!r}") from None

    def key(self, user_id: str) -> str:
        """`<event>:<message_token>`, or the user and time where Viber sent no token."""
        token = optional(self.body, "message_token") or f"{user_id}:{self.body.get('timestamp')}"
        return f"{self.event}:{token}"

    def inbound(self, *, event_id: str, key: str, sender: Sender, **fields: object) -> InboundMessage:
        return InboundMessage(
            channel=CHANNEL,
            account=self.raw.account,
            event_id=event_id,
            message_key=key,
            conversation_key=sender.external_id,
            sender=sender,
            sent_at=self.sent_at,
            raw_event_id=self.raw.raw_event_id,
            **fields,  # kind, text, attachments, status: checked by pydantic
        )


class ViberAdapter:
    channel = CHANNEL

    def parse(self, raw: RawPayload) -> list[InboundMessage]:
        body = json_object(raw.body)
        event = body.get("event")
        if not isinstance(event, str) or not event:
            raise AnomalousPayload("body.event must be a non-empty string")
        handler = EVENTS.get(event)
        if handler is None:
            raise UnsupportedEvent(f"event {event!r} is not a client message okno keeps")
        try:
            return [handler(Callback(raw, body, event))]
        except ValidationError as exc:  # a value past okno's limits (an id over 255 characters)
            raise AnomalousPayload(f"{event}: {exc.errors()[0]['msg']}") from None


def _user(user: Obj, where: str) -> Sender:
    name = optional(user, "name")
    return Sender(external_id=string(user, "id", where), display_name=name[:255] if name else None)


def message(cb: Callback) -> InboundMessage:
    token = string(cb.body, "message_token", "message")
    sender = _user(obj(cb.body, "sender", "message"), "message.sender")
    content = obj(cb.body, "message", "message")
    kind = string(content, "type", "message.message")
    handler = HANDLERS.get(kind)
    if handler is None:
        raise UnsupportedEvent(f"message {token}: type {kind!r} is not supported")
    draft = handler(content, "message.message")
    return cb.inbound(
        event_id=token,
        key=token,
        sender=sender,
        kind=draft.kind,
        text=draft.text,
        attachments=draft.attachments,
        status="reachable",  # a user's message subscribes them again (Viber sends no `subscribed` for it)
    )


def subscribed(cb: Callback) -> InboundMessage:
    sender = _user(obj(cb.body, "user", "subscribed"), "subscribed.user")
    key = cb.key(sender.external_id)
    return cb.inbound(
        event_id=key, key=key, sender=sender, kind="system", text=say("subscribed"), status="reachable"
    )


def unsubscribed(cb: Callback) -> InboundMessage:
    sender = Sender(external_id=string(cb.body, "user_id", "unsubscribed"))
    key = cb.key(sender.external_id)
    return cb.inbound(
        event_id=key,
        key=key,
        sender=sender,
        kind="system",
        text=say("unsubscribed_event"),
        status="unreachable",
    )


def conversation_started(cb: Callback) -> InboundMessage:
    sender = _user(obj(cb.body, "user", "conversation_started"), "conversation_started.user")
    key = cb.key(sender.external_id)
    context = optional(cb.body, "context")
    note = say("conversation_context", context=context) if context else say("conversation_started")
    status = "reachable" if cb.body.get("subscribed") is True else None
    return cb.inbound(event_id=key, key=key, sender=sender, kind="system", text=note, status=status)


def receipt(cb: Callback) -> InboundMessage:
    """delivered / seen / failed of a message okno sent: the token is the Outbox row's platform id."""
    token = string(cb.body, "message_token", cb.event)
    user_id = string(cb.body, "user_id", cb.event)
    return cb.inbound(
        event_id=f"{token}:{cb.event}",
        key=token,
        sender=Sender(external_id=user_id),
        kind="status",
        status=RECEIPTS[cb.event],
        text=optional(cb.body, "desc") if cb.event == "failed" else None,
    )


def webhook(cb: Callback) -> InboundMessage:
    raise UnsupportedEvent("event 'webhook': Viber checking the URL after set_webhook, no client message")


EVENTS: dict[str, Callable[[Callback], InboundMessage]] = {
    "message": message,
    "subscribed": subscribed,
    "unsubscribed": unsubscribed,
    "conversation_started": conversation_started,
    **dict.fromkeys(RECEIPTS, receipt),
    "webhook": webhook,
}
