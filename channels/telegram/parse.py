"""Bot API Update -> InboundMessage, by a table of handlers per update kind; aiogram's types validate."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiogram.types import Message

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.telegram import events
from channels.telegram.content import not_modelled_field, read_content, service_field
from channels.telegram.keys import conversation_key, message_key
from channels.telegram.shapes import CHANNEL, sender_of
from channels.telegram.shapes import at as _at
from channels.telegram.shapes import inbound as _inbound
from channels.telegram.shapes import validate as _validate
from channels.telegram.texts import say
from intake.schema import InboundMessage, MessageKind

Handler = Callable[[str, int, dict[str, Any]], InboundMessage]
# Update kinds a client bot may get that are not client messages: kept with the reason, answered 200.
NOT_MESSAGES = {
    "inline_query": "inline queries are not client messages",
    "chosen_inline_result": "inline results are not client messages",
    "poll": "poll state updates are not client messages",
    "poll_answer": "poll answers are not client messages",
    "chat_member": "other members' status changes are not tracked",
    "message_reaction_count": "anonymous reaction counts carry no sender",
    "chat_boost": "chat boosts are not client messages",
    "removed_chat_boost": "chat boosts are not client messages",
    "shipping_query": "payments are not handled by okno",
    "pre_checkout_query": "payments are not handled by okno",
    "purchased_paid_media": "paid media purchases are not handled by okno",
    "business_connection": "Telegram Business is not connected to okno",
    "business_message": "Telegram Business is not connected to okno",
    "edited_business_message": "Telegram Business is not connected to okno",
    "deleted_business_messages": "Telegram Business is not connected to okno",
}


def _reply_key(message: Message) -> str | None:
    quoted = message.reply_to_message
    # In forum topics every message "replies" to the topic's opening service message: not a real reply.
    if quoted is None or quoted.forum_topic_created is not None:
        return None
    return message_key(quoted)


def _message(account: str, update_id: int, data: dict[str, Any]) -> InboundMessage:
    message: Message = _validate(Message, "message", data)
    if message.chat.type == "channel":
        return _post(account, update_id, message)
    content = read_content(message)
    kind: MessageKind = "media" if content.attachments else "text"
    text = "\n".join(content.texts) or None
    if not content.attachments and not content.texts:
        kind, text = "system", _system_text(message)
    elif is_command(message):
        kind = "system"  # "/start", "/status": talk to the client bot (bots/client), not a request
    sender = sender_of(message)
    if content.phone:
        sender = sender.model_copy(update={"phone": content.phone})
    return _inbound(
        account,
        update_id,
        key=message_key(message),
        conversation=conversation_key(message),
        sender=sender,
        at=_at(message.date),
        kind=kind,
        text=text,
        # Album parts arrive in any order; the part's message_id is Telegram's own order of the album.
        attachments=tuple(a.model_copy(update={"order": message.message_id}) for a in content.attachments),
        reply_to_key=_reply_key(message),
    )


def is_command(message: Message) -> bool:
    entities = message.entities or []
    return bool(entities) and entities[0].type == "bot_command" and entities[0].offset == 0


def _system_text(message: Message) -> str:
    if field := service_field(message):
        return say("service", what=field)
    extra = sorted(message.model_extra or {})  # fields newer than this aiogram: name them, keep them
    return say("not_modelled", what=not_modelled_field(message) or (extra[0] if extra else "empty"))


def _edited(account: str, update_id: int, data: dict[str, Any]) -> InboundMessage:
    message: Message = _validate(Message, "edited_message", data)
    content = read_content(message)
    return _inbound(
        account,
        update_id,
        key=message_key(message),
        conversation=conversation_key(message),
        sender=sender_of(message),
        at=_at(message.edit_date or message.date),
        kind="edit",
        text="\n".join(content.texts) or None,
    )


def _channel_post(account: str, update_id: int, data: dict[str, Any]) -> InboundMessage:
    return _post(account, update_id, _validate(Message, "channel_post", data))


def _post(account: str, update_id: int, message: Message) -> InboundMessage:
    """Channel posts are the company's broadcasts, not client requests: history only."""
    body = message.text or message.caption or _system_text(message)
    return _inbound(
        account,
        update_id,
        key=message_key(message),
        conversation=str(message.chat.id),
        sender=sender_of(message),
        at=_at(message.edit_date or message.date),
        kind="system",
        text=say("channel_post", text=body),
    )


EVENT_HANDLERS: dict[str, Handler] = {
    "message": _message,
    "edited_message": _edited,
    "channel_post": _channel_post,
    "edited_channel_post": _channel_post,
    "callback_query": events.callback,
    "my_chat_member": events.my_chat_member,
    "chat_join_request": events.join_request,
    "message_reaction": events.reaction,
}


def load_update(body: bytes) -> dict[str, Any]:
    """The JSON object of one Update with an integer update_id, or AnomalousPayload with the reason."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise AnomalousPayload(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise AnomalousPayload("an Update must be a JSON object")
    if not isinstance(data.get("update_id"), int) or isinstance(data.get("update_id"), bool):
        raise AnomalousPayload("an Update needs an integer update_id")
    return data


def update_kind(data: dict[str, Any]) -> str:
    fields = sorted(k for k in data if k != "update_id")
    if len(fields) != 1:
        raise AnomalousPayload(f"an Update carries exactly one update field, this one has {fields or 'none'}")
    return fields[0]


class TelegramAdapter:
    channel = CHANNEL

    def parse(self, raw: RawPayload) -> list[InboundMessage]:
        data = load_update(raw.body)
        kind = update_kind(data)
        if kind in NOT_MESSAGES:
            raise UnsupportedEvent(f"{kind}: {NOT_MESSAGES[kind]}")
        handler = EVENT_HANDLERS.get(kind)
        if handler is None:
            raise UnsupportedEvent(f"unknown update kind {kind!r}")
        if not isinstance(data[kind], dict):
            raise AnomalousPayload(f"{kind} must be a JSON object")
        message = handler(raw.account, data["update_id"], data[kind])
        return [message.model_copy(update={"raw_event_id": raw.raw_event_id})]


# What okno asks Telegram for (setWebhook / getUpdates): reactions are only sent when asked for by name.
ALLOWED_UPDATES = sorted(EVENT_HANDLERS)
