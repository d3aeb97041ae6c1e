"""A client's «no broadcasts» (Contact.broadcasts_off_at): set by a manager when the client asks; broadcasts
pass them by (workers/broadcasts.py), replies on their requests do not. Audited both ways."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact
from storage.repos.audit import audit
from storage.repos.clients import survivor_of


async def set_broadcasts_off(
    session: AsyncSession, *, contact_id: int, off: bool, staff_id: int | None, at: datetime
) -> Contact:
    """On the person (the survivor of any merge); the caller commits."""
    contact = await survivor_of(session, contact_id=contact_id)
    if off == (contact.broadcasts_off_at is not None):
        return contact  # pressed twice: when they first asked stays
    contact.broadcasts_off_at = at if off else None
    await audit(
        session,
        actor_kind="staff",
        actor_id=staff_id,
        action="contact.broadcasts_off" if off else "contact.broadcasts_on",
        entity="contact",
        entity_id=contact.id,
    )
    return contact
