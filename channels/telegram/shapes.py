"""Shared pieces of the Telegram parser: aiogram validation, senders, dates, the InboundMessage envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.types import Message, TelegramObject, User
from pydantic import ValidationError

from channels.base import AnomalousPayload
from channels.telegram.content import full_name
from intake.schema import InboundMessage, Sender

CHANNEL = "telegram"


def validate(model: type[TelegramObject], field: str, data: Any) -> Any:
    try:
        return model.model_validate(data, context={})
    except ValidationError as exc:
        raise AnomalousPayload(
            f"{field} does not match the Bot API shape ({exc.error_count()} errors; {_first_error(exc)})"
        ) from None


def _first_error(exc: ValidationError) -> str:
    """ "where: what" of pydantic's first complaint, for a refusal's reason."""
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


def sender_of(message: Message) -> Sender:
    """The person, else the chat that speaks (anonymous admins, channels)."""
    user = message.from_user
    if user is not None and not (message.sender_chat is not None and user.is_bot):
        return Sender(
            external_id=str(user.id), display_name=_fit(full_name(user) or None), username=_fit(user.username)
        )
    chat = message.sender_chat or message.chat
    return Sender(
        external_id=f"chat:{chat.id}",
        display_name=_fit(chat.title or chat.full_name),
        username=_fit(chat.username),
    )


def _fit(name: str | None) -> str | None:
    """Telegram caps names at 64 characters; a longer one (a forged update) is cut, not a crash."""
    return name[:255] if name else name


def inbound(
    account: str, update_id: int, *, key: str, conversation: str, sender: Sender, at: datetime, **fields: Any
) -> InboundMessage:
    try:
        return InboundMessage(
            channel=CHANNEL,
            account=account,
            event_id=str(update_id),
            message_key=key,
            conversation_key=conversation,
            sender=sender,
            sent_at=at,
            **fields,
        )
    except ValidationError as exc:  # a value past okno's limits (a forged 270-digit message_id, say)
        raise AnomalousPayload(f"update {update_id}: {_first_error(exc)}") from None


def at(value: datetime | int) -> datetime:
    """aiogram types dates as datetime | int; the Bot API sends Unix seconds."""
    return value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)


def user_sender(user: User) -> Sender:
    return Sender(external_id=str(user.id), display_name=full_name(user) or None, username=user.username)
