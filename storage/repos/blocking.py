"""A contact blocked as spam: what they send is still stored (raw payload and message, nothing lost), but it
opens no request, raises no alert and reaches no one (intake/accept.py reads `Contact.blocked_at`); blocking
cancels their open requests. Audited both ways."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Contact, Request
from storage.models.requests import OPEN_STATUSES
from storage.repos.audit import audit
from storage.repos.clients import contact_group, survivor_of
from storage.repos.requests import change_status


async def block_contact(
    session: AsyncSession, *, contact_id: int, staff_id: int | None, at: datetime
) -> Sequence[Request]:
    """Blocks the person (the survivor of any merge) and cancels their open requests; returns those."""
    contact = await survivor_of(session, contact_id=contact_id)
    if contact.blocked_at is None:  # blocked again: when and by whom it was first stays
        contact.blocked_at, contact.blocked_by_id = at, staff_id
    group = await contact_group(session, contact_id=contact.id or 0)
    open_ones = (
        (
            await session.execute(
                select(Request).where(
                    col(Request.contact_id).in_(group), col(Request.status).in_(OPEN_STATUSES)
                )
            )
        )
        .scalars()
        .all()
    )
    for request in open_ones:
        await change_status(session, request=request, status="cancelled", at=at, staff_id=staff_id)
    await audit(
        session, actor_id=staff_id, action="contact.block",
        entity="contact", entity_id=contact.id, details={"cancelled": [r.id for r in open_ones]},
    )  # fmt: skip
    return open_ones


async def unblock_contact(session: AsyncSession, *, contact_id: int, staff_id: int | None) -> Contact:
    contact = await survivor_of(session, contact_id=contact_id)
    contact.blocked_at, contact.blocked_by_id = None, None
    await audit(
        session, actor_id=staff_id, action="contact.unblock",
        entity="contact", entity_id=contact.id,
    )  # fmt: skip
    return contact


async def is_blocked(session: AsyncSession, *, contact_id: int) -> bool:
    return (await survivor_of(session, contact_id=contact_id)).blocked_at is not None
