"""The staff bot's storage: who a Telegram user is, one-time invites, forum topics, notices, proposals."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import ForumTopic, Staff, StaffDraft, StaffInvite, StaffNotice
from storage.repos.audit import audit
from storage.types import utcnow

ROLES = ("manager", "supervisor", "admin")


class InviteRefused(ValueError):
    """The code is unknown, used or expired (one reason for all three: a guesser learns nothing)."""


def code_digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def staff_by_telegram(session: AsyncSession, *, telegram_user_id: int) -> Staff | None:
    """Read on every update, so a deactivated member loses access at once."""
    query = select(Staff).where(col(Staff.telegram_user_id) == telegram_user_id, col(Staff.active).is_(True))
    return (await session.execute(query)).scalars().first()


async def active_staff(session: AsyncSession, *, roles: Sequence[str] = ROLES) -> Sequence[Staff]:
    query = (
        select(Staff).where(col(Staff.active).is_(True), col(Staff.role).in_(roles)).order_by(col(Staff.id))
    )
    return (await session.execute(query)).scalars().all()


async def create_invite(
    session: AsyncSession,
    *,
    role: str,
    name: str | None = None,
    created_by_id: int | None = None,
    valid_for: timedelta = timedelta(days=7),
    staff: Staff | None = None,
) -> tuple[StaffInvite, str]:
    """The invite and its code; only the code's sha256 is kept. With `staff`, the code connects that
    existing member's Telegram (their role and name stay theirs) instead of adding a new one."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: manager, supervisor or admin")
    code = secrets.token_urlsafe(12)
    invite = StaffInvite(
        code_sha256=code_digest(code),
        role=staff.role if staff else role,
        name=staff.name if staff else name,
        staff_id=staff.id if staff else None,
        created_by_id=created_by_id,
        expires_at=utcnow() + valid_for,
    )
    session.add(invite)
    await session.flush()
    await audit(
        session,
        actor_id=created_by_id,
        action="staff.invite",
        entity="staff_invite",
        entity_id=invite.id,
        details={"role": invite.role, "staff_id": invite.staff_id},
    )
    return invite, code


async def redeem_invite(
    session: AsyncSession, *, code: str, telegram_user_id: int, display_name: str, now: datetime
) -> Staff:
    """A new staff member bound to this Telegram user, or the existing one the invite names; the code
    works once."""
    invite = (
        (await session.execute(select(StaffInvite).where(col(StaffInvite.code_sha256) == code_digest(code))))
        .scalars()
        .first()
    )
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise InviteRefused("the invite code is not valid")
    taken = (
        (await session.execute(select(Staff).where(col(Staff.telegram_user_id) == telegram_user_id)))
        .scalars()
        .first()
    )
    if taken is not None and taken.id != invite.staff_id:
        raise InviteRefused("this Telegram account already belongs to a staff member")
    if invite.staff_id is not None:
        staff = await session.get(Staff, invite.staff_id)
        if staff is None or not staff.active:
            raise InviteRefused("the staff member this invite is for is no longer active")
        staff.telegram_user_id = telegram_user_id  # a new phone or account replaces the old one
    else:
        staff = Staff(name=invite.name or display_name, role=invite.role, telegram_user_id=telegram_user_id)
        session.add(staff)
    await session.flush()
    invite.used_at, invite.used_by_staff_id = now, staff.id
    await audit(
        session,
        actor_kind="staff",
        actor_id=staff.id,
        action="staff.telegram_link" if invite.staff_id is not None else "staff.join",
        entity="staff",
        entity_id=staff.id,
        details={"invite_id": invite.id, "role": staff.role},
    )
    return staff


async def topic_of_conversation(session: AsyncSession, *, conversation_id: int) -> ForumTopic | None:
    query = select(ForumTopic).where(col(ForumTopic.conversation_id) == conversation_id)
    return (await session.execute(query)).scalars().first()


async def topic_by_thread(session: AsyncSession, *, chat_id: int, thread_id: int) -> ForumTopic | None:
    query = select(ForumTopic).where(
        col(ForumTopic.chat_id) == chat_id, col(ForumTopic.message_thread_id) == thread_id
    )
    return (await session.execute(query)).scalars().first()


async def claim_notice(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    chat_id: int,
    staff_id: int | None = None,
    alert_id: int | None = None,
) -> StaffNotice | None:
    """The notice row to send now, or None when it was sent already (or given up on). Commits."""
    existing = (
        (await session.execute(select(StaffNotice).where(col(StaffNotice.key) == key))).scalars().first()
    )
    if existing is not None:
        return existing if existing.status == "pending" else None
    notice = StaffNotice(key=key, kind=kind, chat_id=chat_id, staff_id=staff_id, alert_id=alert_id)
    session.add(notice)
    try:
        await session.commit()
    except IntegrityError:  # a concurrent copy of the job claimed it first
        await session.rollback()
        return None
    return notice


async def notices_of_alert(session: AsyncSession, *, alert_id: int) -> Sequence[StaffNotice]:
    query = select(StaffNotice).where(
        col(StaffNotice.alert_id) == alert_id, col(StaffNotice.status) == "sent"
    )
    return (await session.execute(query)).scalars().all()


async def notice_status(session: AsyncSession, *, key: str) -> str | None:
    """pending | sent | failed, or None when nothing was claimed under this key."""
    query = select(StaffNotice.status).where(col(StaffNotice.key) == key)
    return (await session.execute(query)).scalars().first()


async def add_draft(session: AsyncSession, *, staff_id: int, payload: dict[str, Any]) -> StaffDraft:
    draft = StaffDraft(staff_id=staff_id, payload=payload)
    session.add(draft)
    await session.flush()
    return draft


async def open_draft(session: AsyncSession, *, draft_id: int, staff_id: int) -> StaffDraft | None:
    """Only its author may act on a proposal, and only once."""
    draft = await session.get(StaffDraft, draft_id)
    if draft is None or draft.staff_id != staff_id or draft.status != "open":
        return None
    return draft
