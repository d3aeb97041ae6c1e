"""A client's «no broadcasts» (Contact.broadcasts_off_at): set by a manager when the client asks, or by the
client's own «СТОП» in answer to a broadcast; broadcasts pass them by (workers/broadcasts.py), replies on
their requests do not. Audited both ways."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import BroadcastRecipient, Contact, Message
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
        actor_id=staff_id,
        action="contact.broadcasts_off" if off else "contact.broadcasts_on",
        entity="contact",
        entity_id=contact.id,
    )
    return contact


# What a client writes to stop them, the whole message; «Стоп!» and «STOP» too.
STOP_WORDS = frozenset({"стоп", "stop", "отписаться", "отписка", "unsubscribe", "стоп рассылка"})
STOP_AFTER = timedelta(days=30)  # how long after a broadcast its «СТОП» is read as the answer to it


def is_stop(text: str | None) -> bool:
    return (text or "").strip().rstrip(".!").strip().casefold() in STOP_WORDS


async def stop_after_broadcast(
    session: AsyncSession, *, contact_id: int, conversation_id: int, text: str | None, at: datetime
) -> bool:
    """The client's whole message is «СТОП» and a broadcast reached this conversation in the month before:
    no more broadcasts for them (audited as the system's). True when it was that (the message is kept, and
    opens no request: there is nothing to do for it)."""
    if not is_stop(text):
        return False
    copy = (
        select(Message.id)
        .join(BroadcastRecipient, col(BroadcastRecipient.message_id) == col(Message.id))
        .where(col(Message.conversation_id) == conversation_id)
        .where(col(Message.sent_at) >= at - STOP_AFTER, col(Message.sent_at) <= at)
    )
    if (await session.execute(copy.limit(1))).first() is None:
        return False
    await set_broadcasts_off(session, contact_id=contact_id, off=True, staff_id=None, at=at)
    return True
