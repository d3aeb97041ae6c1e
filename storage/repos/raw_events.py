"""RawEvent: the bytes of every delivery, committed before anything else happens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Table, func, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col, select

from storage.models import RawEvent
from storage.types import utcnow

RAW_EVENT: Table = RawEvent.__table__  # type: ignore[attr-defined]
_INSERT = insert(RAW_EVENT).returning(RAW_EVENT.c.id)


async def add_raw_event(
    conn: AsyncConnection,
    *,
    channel: str,
    account: str,
    headers: Mapping[str, str],
    body: bytes,
    status: str = "pending",
    reason: str | None = None,
) -> int:
    """One Core INSERT … RETURNING id on a bare connection (no ORM session or unit of work), built once and
    given its values as parameters: this runs on every webhook before the ack, where building the statement
    per call cost more than executing it."""
    values = {
        "channel": channel,
        "account": account,
        "headers": dict(headers),
        "body": body,
        "status": status,
        "reason": reason,
        "received_at": utcnow(),
        "attempts": 0,
    }
    raw_id: int = (await conn.execute(_INSERT, values)).scalar_one()
    return raw_id


async def get_raw_event(session: AsyncSession, *, raw_event_id: int) -> RawEvent | None:
    return await session.get(RawEvent, raw_event_id)


async def finish_raw_event(
    session: AsyncSession, *, raw_event_id: int, status: str, reason: str | None = None
) -> None:
    await session.execute(
        update(RawEvent)
        .where(col(RawEvent.id) == raw_event_id)
        .values(status=status, reason=reason, processed_at=utcnow())
    )


async def count_attempt(session: AsyncSession, *, raw_event_id: int) -> int:
    await session.execute(
        update(RawEvent).where(col(RawEvent.id) == raw_event_id).values(attempts=col(RawEvent.attempts) + 1)
    )
    attempts = await session.scalar(select(col(RawEvent.attempts)).where(col(RawEvent.id) == raw_event_id))
    return int(attempts or 0)


async def stale_pending(
    session: AsyncSession, *, older_than: timedelta, max_attempts: int, limit: int = 500
) -> Sequence[tuple[int, int]]:
    """(id, attempts) of events stored but not ingested: left by a crash, an outage or a failed job."""
    cutoff: datetime = utcnow() - older_than
    rows = await session.execute(
        select(RawEvent.id, col(RawEvent.attempts))
        .where(col(RawEvent.status).in_(("pending", "failed")))
        .where(col(RawEvent.received_at) < cutoff)
        .where(col(RawEvent.attempts) < max_attempts)
        .order_by(col(RawEvent.id))
        .limit(limit)
    )
    return [(int(i), int(a)) for i, a in rows.all()]


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(RawEvent.status, func.count()).group_by(col(RawEvent.status)))
    return {str(status): int(n) for status, n in rows.all()}
