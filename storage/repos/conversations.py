"""Conversations, messages, attachments and the processed-event dedupe keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Attachment, Conversation, Message, ProcessedEvent


async def processed_event(
    session: AsyncSession, *, channel: str, account: str, event_id: str
) -> ProcessedEvent | None:
    query = select(ProcessedEvent).where(
        col(ProcessedEvent.channel) == channel,
        col(ProcessedEvent.account) == account,
        col(ProcessedEvent.event_id) == event_id,
    )
    return (await session.execute(query)).scalars().first()


async def conversation_by_key(
    session: AsyncSession, *, channel: str, account: str, conversation_key: str
) -> Conversation | None:
    query = select(Conversation).where(
        col(Conversation.channel) == channel,
        col(Conversation.account) == account,
        col(Conversation.conversation_key) == conversation_key,
    )
    return (await session.execute(query)).scalars().first()


async def message_by_key(
    session: AsyncSession, *, channel: str, account: str, message_key: str, for_update: bool = False
) -> Message | None:
    """`for_update` locks the row (PostgreSQL) so concurrent late parts of one message apply one at a time."""
    query = select(Message).where(
        col(Message.channel) == channel,
        col(Message.account) == account,
        col(Message.message_key) == message_key,
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def attachments_of(session: AsyncSession, *, message_id: int) -> Sequence[Attachment]:
    query = (
        select(Attachment).where(col(Attachment.message_id) == message_id).order_by(col(Attachment.position))
    )
    return (await session.execute(query)).scalars().all()


async def messages_of_request(session: AsyncSession, *, request_id: int) -> Sequence[Message]:
    query = select(Message).where(col(Message.request_id) == request_id).order_by(col(Message.sent_at))
    return (await session.execute(query)).scalars().all()


async def count_messages(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Message.channel, Message.direction, func.count()).group_by(
            col(Message.channel), col(Message.direction)
        )
    )
    return {f"{channel}:{direction}": int(n) for channel, direction, n in rows.all()}


async def last_inbound_at(
    session: AsyncSession, *, channel: str, account: str, conversation_key: str, kinds: Sequence[str]
) -> datetime | None:
    """When the client last wrote in this conversation (messages of these kinds), aware UTC; None if never.
    WhatsApp's 24-hour customer-service window is counted from it."""
    query = (
        select(func.max(Message.sent_at))
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(
            col(Conversation.channel) == channel,
            col(Conversation.account) == account,
            col(Conversation.conversation_key) == conversation_key,
            col(Message.direction) == "inbound",
            col(Message.kind).in_(kinds),
        )
    )
    last = (await session.execute(query)).scalar()
    if last is None:
        return None
    return last if last.tzinfo else last.replace(tzinfo=UTC)  # SQLite's max() loses the column's type
