"""Update kinds around messages: button presses, the bot blocked or unblocked, join requests, reactions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.types import (
    CallbackQuery,
    ChatJoinRequest,
    ChatMemberUpdated,
    Message,
    MessageReactionUpdated,
    ReactionTypeEmoji,
)

from channels.telegram.choices import chosen
from channels.telegram.content import full_name
from channels.telegram.keys import conversation_key, message_key
from channels.telegram.shapes import at as _at
from channels.telegram.shapes import inbound as _inbound
from channels.telegram.shapes import user_sender
from channels.telegram.shapes import validate as _validate
from channels.telegram.texts import say
from intake.schema import InboundMessage, Sender


def callback(account: str, update_id: int, data: dict[str, Any]) -> InboundMessage:
    query: CallbackQuery = _validate(CallbackQuery, "callback_query", data)
    user = query.from_user
    on = query.message if isinstance(query.message, Message) else None
    chat = str(on.chat.id) if on is not None else str(user.id)
    choice = chosen(query.data) if on is not None else None
    return _inbound(
        account,
        update_id,
        key=f"{chat}:callback:{query.id}",
        conversation=conversation_key(on) if on is not None else chat,
        sender=user_sender(user),
        at=datetime.now(UTC),  # a button press has no date of its own: it happens now
        # one of okno's answer buttons (the rating's «5»): the client's answer, as if typed
        kind="text" if choice is not None else "system",
        text=choice if choice is not None else say("button", data=query.data or query.game_short_name or ""),
        reply_to_key=message_key(on) if on is not None else None,
    )


def my_chat_member(account: str, update_id: int, data: dict[str, Any]) -> InboundMessage:
    change: ChatMemberUpdated = _validate(ChatMemberUpdated, "my_chat_member", data)
    old, new = change.old_chat_member.status, change.new_chat_member.status
    private = change.chat.type == "private"
    if private and new == "kicked":
        text, status = say("blocked"), "unreachable"
    elif private and old == "kicked":
        text, status = say("unblocked"), "reachable"
    else:
        text, status = say("member", old=old, new=new), None
    user = change.from_user
    return _inbound(
        account,
        update_id,
        key=f"{change.chat.id}:member:{update_id}",
        conversation=str(change.chat.id),
        sender=user_sender(user),
        at=_at(change.date),
        kind="system",
        text=text,
        status=status,
    )


def join_request(account: str, update_id: int, data: dict[str, Any]) -> InboundMessage:
    request: ChatJoinRequest = _validate(ChatJoinRequest, "chat_join_request", data)
    user = request.from_user
    name = full_name(user)
    return _inbound(
        account,
        update_id,
        key=f"{request.chat.id}:join:{user.id}:{update_id}",
        conversation=str(request.chat.id),
        sender=user_sender(user),
        at=_at(request.date),
        kind="system",
        text=say("join_request", name=name),
    )


def reaction(account: str, update_id: int, data: dict[str, Any]) -> InboundMessage:
    change: MessageReactionUpdated = _validate(MessageReactionUpdated, "message_reaction", data)
    if change.user is not None:
        sender = user_sender(change.user)
    else:
        actor = change.actor_chat or change.chat
        sender = Sender(external_id=f"chat:{actor.id}", display_name=actor.title)
    emoji = [r.emoji for r in change.new_reaction if isinstance(r, ReactionTypeEmoji)]
    return _inbound(
        account,
        update_id,
        key=f"{change.chat.id}:{change.message_id}",
        conversation=str(change.chat.id),
        sender=sender,
        at=_at(change.date),
        kind="reaction",
        text=" ".join(emoji) or ("—" if not change.new_reaction else change.new_reaction[0].type),
    )
