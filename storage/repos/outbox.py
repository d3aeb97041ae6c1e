"""Outbox rows: written with the action that caused them, sent later with retries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Message, Outbox
from storage.types import utcnow

# Platforms send delivery statuses out of order: a late "delivered" must not undo "read".
STATUS_ORDER = {None: 0, "pending": 0, "sent": 1, "delivered": 2, "read": 3}


def later_status(current: str | None, new: str) -> bool:
    if new == "failed":
        return current not in ("delivered", "read", "failed")
    return new in STATUS_ORDER and STATUS_ORDER[new] > STATUS_ORDER.get(current, 0)


async def record_delivery(session: AsyncSession, *, message_id: int | None, status: str) -> None:
    """A reply's delivery on its timeline message (sent, delivered, read, failed), never undoing a later
    state: the Outbox row knew a bounced email or a blocked bot, and the staff saw their reply as given."""
    message = await session.get(Message, message_id) if message_id is not None else None
    if message is not None and later_status(message.delivery_status, status):
        message.delivery_status = status


async def add_outbox(
    session: AsyncSession,
    *,
    channel: str,
    account: str,
    conversation_key: str,
    payload: dict[str, Any],
    message_id: int | None = None,
) -> Outbox:
    row = Outbox(
        channel=channel,
        account=account,
        conversation_key=conversation_key,
        payload=payload,
        message_id=message_id,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def outbox_by_platform_id(
    session: AsyncSession, *, channel: str, account: str, platform_message_id: str
) -> Outbox | None:
    query = select(Outbox).where(
        col(Outbox.channel) == channel,
        col(Outbox.account) == account,
        col(Outbox.platform_message_id) == platform_message_id,
    )
    return (await session.execute(query)).scalars().first()


async def due_outbox(
    session: AsyncSession, *, now: datetime, stuck_after: timedelta, limit: int = 200
) -> Sequence[tuple[int, int]]:
    """(id, attempts) of pending rows whose next attempt is due and that no live sender holds (a crash leaves
    them held)."""
    query = (
        select(Outbox.id, col(Outbox.attempts))
        .where(col(Outbox.status) == "pending")
        .where(col(Outbox.next_attempt_at) <= now)
        .where(
            col(Outbox.sending_started_at).is_(None) | (col(Outbox.sending_started_at) < now - stuck_after)
        )
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    return [(int(i), int(a)) for i, a in (await session.execute(query)).all()]


async def count_outbox(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Outbox.status, func.count()).group_by(col(Outbox.status)))
    return {str(status): int(n) for status, n in rows.all()}
