"""Saved replies, the company's and each member's own: listed, found by code (a member's own first), written
and removed with an audit row each."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import PersonalReply, SavedReply
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


Usable = SavedReply | PersonalReply


async def usable_replies(session: AsyncSession, *, staff_id: int | None) -> list[Usable]:
    """What this member can send, by code: their own, and the company's whose code they have not taken."""
    own = await my_replies(session, staff_id=staff_id) if staff_id is not None else []
    taken = {row.code for row in own}
    company = [row for row in await saved_replies(session) if row.code not in taken]
    return sorted([*own, *company], key=lambda row: row.code)


async def usable_reply(session: AsyncSession, *, code: str, staff_id: int | None) -> Usable | None:
    """The member's own reply of this code, else the company's."""
    own = await my_reply(session, staff_id=staff_id, code=code) if staff_id is not None else None
    return own if own is not None else await saved_reply(session, code=code)


async def my_replies(session: AsyncSession, *, staff_id: int) -> Sequence[PersonalReply]:
    query = select(PersonalReply).where(col(PersonalReply.staff_id) == staff_id)
    return (await session.execute(query.order_by(col(PersonalReply.code)))).scalars().all()


async def my_reply(session: AsyncSession, *, staff_id: int, code: str) -> PersonalReply | None:
    query = select(PersonalReply).where(
        col(PersonalReply.staff_id) == staff_id, col(PersonalReply.code) == code
    )
    return (await session.execute(query)).scalars().first()


async def save_my_reply(session: AsyncSession, *, staff_id: int, code: str, text: str) -> PersonalReply:
    """Adds the member's own reply, or rewrites theirs of this code."""
    row = await my_reply(session, staff_id=staff_id, code=code)
    action = "personal_reply.edit" if row is not None else "personal_reply.add"
    if row is None:
        row = PersonalReply(staff_id=staff_id, code=code, text=text)
    row.text, row.updated_at = text, utcnow()
    session.add(row)
    await session.flush()
    await audit(
        session, actor_kind="staff", actor_id=staff_id, action=action, entity="personal_reply",
        entity_id=row.id, details={"code": code},
    )  # fmt: skip
    return row


async def delete_my_reply(session: AsyncSession, *, staff_id: int, reply_id: int) -> PersonalReply | None:
    """Removes one of the member's own replies (another's is not theirs to remove: None)."""
    row = await session.get(PersonalReply, reply_id)
    if row is None or row.staff_id != staff_id:
        return None
    await audit(
        session, actor_kind="staff", actor_id=staff_id, action="personal_reply.delete",
        entity="personal_reply", entity_id=row.id, details={"code": row.code},
    )  # fmt: skip
    await session.delete(row)
    await session.flush()
    return row
