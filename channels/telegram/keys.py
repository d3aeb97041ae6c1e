"""The contract keys of a Telegram message: event, message, conversation (DESIGN.md: InboundMessage)."""

from __future__ import annotations

from aiogram.types import Message


def message_key(message: Message) -> str:
    """Album parts share one key, so late parts merge into one message."""
    if message.media_group_id:
        return f"{message.chat.id}:album:{message.media_group_id}"
    return f"{message.chat.id}:{message.message_id}"


def conversation_key(message: Message) -> str:
    """Forum topics are their own conversations; reply threads in plain supergroups are not."""
    if message.is_topic_message and message.message_thread_id:
        return f"{message.chat.id}:{message.message_thread_id}"
    return str(message.chat.id)


def split_conversation_key(key: str) -> tuple[str, int | None]:
    """'chat' or 'chat:thread' -> (chat_id, thread id or None), for sending back."""
    chat, _, thread = key.partition(":")
    return chat, int(thread) if thread.lstrip("-").isdigit() else None


def split_message_key(key: str | None) -> tuple[str, int] | None:
    """'chat:message_id' -> (chat, message id); album and okno-made keys have no single message to quote."""
    if not key:
        return None
    chat, _, message_id = key.partition(":")
    return (chat, int(message_id)) if message_id.isdigit() else None
