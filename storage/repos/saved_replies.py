"""Saved replies: listed, found by code, written and removed with an audit row each."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import SavedReply
from storage.repos.audit import audit
from storage.types import utcnow


async def saved_replies(session: AsyncSession) -> Sequence[SavedReply]:
    return (await session.execute(select(SavedReply).order_by(col(SavedReply.code)))).scalars().all()


async def saved_reply(session: AsyncSession, *, code: str) -> SavedReply | None:
    query = select(SavedReply).where(col(SavedReply.code) == code)
    return (await session.execute(query)).scalars().first()


async def save_saved_reply(
    session: AsyncSession, *, code: str, text: str, staff_id: int | None
) -> SavedReply:
    """Adds the reply, or rewrites the one with this code (the code is the name staff know it by)."""
    row = await saved_reply(session, code=code)
    action = "saved_reply.edit" if row is not None else "saved_reply.add"
    if row is None:
        row = SavedReply(code=code, text=text)
    row.text, row.author_id, row.updated_at = text, staff_id, utcnow()
    session.add(row)
    await session.flush()
    await audit(
        session, actor_kind="staff", actor_id=staff_id, action=action, entity="saved_reply",
        entity_id=row.id, details={"code": code},
    )  # fmt: skip
    return row


async def delete_saved_reply(session: AsyncSession, *, code: str, staff_id: int | None) -> bool:
    row = await saved_reply(session, code=code)
    if row is None:
        return False
    await audit(
        session, actor_kind="staff", actor_id=staff_id, action="saved_reply.delete", entity="saved_reply",
        entity_id=row.id, details={"code": code, "text": row.text},
    )  # fmt: skip
    await session.delete(row)
    await session.flush()
    return True
