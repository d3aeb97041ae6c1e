"""One-time links that let a member set their web password: issued by an admin (an invitation) or asked for
on the sign-in page (a reset); used once, within their time, by an active member."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Staff, StaffLoginLink
from storage.repos.accounts import token_digest
from storage.repos.audit import audit

PURPOSES = ("invite", "reset")
# an invitation waits for a new member's first morning; a reset is asked for by one waiting at the screen
VALID_FOR = {"invite": timedelta(days=3), "reset": timedelta(hours=1)}


async def issue_link(
    session: AsyncSession, *, staff: Staff, purpose: str, at: datetime, created_by_id: int | None
) -> str:
    """The token for the link (kept only as its sha256); the member's earlier unused links stop working."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown login link purpose {purpose!r}")
    await _void_links(session, staff_id=staff.id or 0, at=at)
    token = secrets.token_urlsafe(32)
    link = StaffLoginLink(
        staff_id=staff.id or 0,
        token_sha256=token_digest(token),
        purpose=purpose,
        created_by_id=created_by_id,
        created_at=at,
        expires_at=at + VALID_FOR[purpose],
    )
    session.add(link)
    await session.flush()
    await audit(
        session,
        actor_id=created_by_id,
        action=f"staff.link_{purpose}",
        entity="staff",
        entity_id=staff.id,
    )
    return token


async def open_link(
    session: AsyncSession, *, token: str, at: datetime
) -> tuple[StaffLoginLink, Staff] | None:
    """The link and its member while it can be used: not used, not expired, the member still active."""
    query = select(StaffLoginLink).where(col(StaffLoginLink.token_sha256) == token_digest(token))
    link = (await session.execute(query)).scalars().first()
    if link is None or link.used_at is not None or link.expires_at <= at:
        return None
    staff = await session.get(Staff, link.staff_id)
    return (link, staff) if staff is not None and staff.active else None


async def set_password(session: AsyncSession, *, staff: Staff, password_hash: str, at: datetime) -> None:
    """A new password: sessions signed in before it end, and no emailed link of theirs works any more."""
    staff.password_hash, staff.password_changed_at = password_hash, at
    await _void_links(session, staff_id=staff.id or 0, at=at)


async def _void_links(session: AsyncSession, *, staff_id: int, at: datetime) -> None:
    await session.execute(
        update(StaffLoginLink)
        .where(col(StaffLoginLink.staff_id) == staff_id, col(StaffLoginLink.used_at).is_(None))
        .values(used_at=at)
    )
