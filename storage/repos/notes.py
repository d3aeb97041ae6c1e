"""Internal notes on a request: staff-only text, audited, never handed to a channel sender."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import RequestNote
from storage.repos.audit import audit


async def add_note(
    session: AsyncSession,
    *,
    request_id: int,
    text: str,
    author_staff_id: int | None,
    source: str = "web",
) -> RequestNote:
    text = text.strip()
    if not text:
        raise ValueError("an empty note")
    note = RequestNote(request_id=request_id, author_staff_id=author_staff_id, text=text, source=source)
    session.add(note)
    await session.flush()
    await audit(
        session,
        actor_id=author_staff_id,
        action="note_added",
        entity="request",
        entity_id=request_id,
        details={"note_id": note.id, "source": source},
    )
    return note


async def notes_of(session: AsyncSession, *, request_id: int) -> Sequence[RequestNote]:
    query = (
        select(RequestNote)
        .where(RequestNote.request_id == request_id)
        .order_by(col(RequestNote.created_at), col(RequestNote.id))
    )
    return (await session.execute(query)).scalars().all()
