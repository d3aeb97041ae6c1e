"""Named leases in the database: one leader for `okno listen`, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Lease
from storage.types import utcnow


async def try_acquire_lease(session: AsyncSession, *, name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew the lease; True when `holder` holds it afterwards. Commits."""
    now = utcnow()
    result = await session.execute(
        update(Lease)
        .where(col(Lease.name) == name)
        .where(or_(col(Lease.holder) == holder, col(Lease.expires_at) < now))
        .values(holder=holder, expires_at=now + ttl)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        await session.commit()
        return True
    session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def release_lease(session: AsyncSession, *, name: str, holder: str) -> None:
    await session.execute(
        update(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder).values(expires_at=utcnow())
    )
    await session.commit()
