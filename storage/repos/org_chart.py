"""Who reports to whom (Staff.head_id): the heads above a member, a head's group, the check that keeps the
chart free of circles, and the group that answers a line (ChannelAccount.group_head_id). A division with
several group heads routes a manager's alerts to their own head first."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import ChannelAccount, Request, Staff

HEAD_ROLES = ("supervisor", "admin")  # a head sees every request: a supervisor's role at least
MAX_LEVELS = 10  # deeper than any real chart; a guard, not a rule


def can_head(staff: Staff | None) -> bool:
    """Whether this member may head a group or a line: active, and a supervisor or an admin."""
    return staff is not None and staff.active and staff.role in HEAD_ROLES


async def _up_from(session: AsyncSession, member: Staff) -> list[Staff]:
    """Everyone above a member, nearest first, active or not (a guard stops a circle or a runaway chart)."""
    above: list[Staff] = []
    seen = {member.id}
    current: Staff | None = member
    while current is not None and current.head_id is not None and current.head_id not in seen:
        if len(seen) > MAX_LEVELS:
            break
        seen.add(current.head_id)
        current = await session.get(Staff, current.head_id)
        if current is not None:
            above.append(current)
    return above


async def heads_above(session: AsyncSession, staff_id: int | None) -> list[Staff]:
    """The member's head, that head's head, and so on up (active ones; an inactive head is passed over)."""
    member = await session.get(Staff, staff_id) if staff_id is not None else None
    return [head for head in await _up_from(session, member) if head.active] if member else []


async def reports_to(session: AsyncSession, member: Staff, boss: Staff) -> bool:
    """Whether `boss` is `member` or stands anywhere above them (boss reporting to member: a circle)."""
    return member.id == boss.id or any(head.id == boss.id for head in await _up_from(session, member))


async def team_below(session: AsyncSession, head_id: int) -> set[int]:
    """Everyone whose chart reaches this head (their group, the groups of heads under them), without them."""
    rows = (await session.execute(select(Staff.id, Staff.head_id))).all()
    children: dict[int, list[int]] = {}
    for member_id, boss_id in rows:
        if boss_id is not None:
            children.setdefault(boss_id, []).append(member_id)
    team: set[int] = set()
    todo = list(children.get(head_id, []))
    while todo:
        member_id = todo.pop()
        if member_id not in team and member_id != head_id:
            team.add(member_id)
            todo += children.get(member_id, [])
    return team


async def group_of(session: AsyncSession, head_id: int) -> set[int]:
    """A head's group as the pages and the digest count it: everyone whose chart reaches them, and them."""
    return await team_below(session, head_id) | {head_id}


async def heads_with_groups(session: AsyncSession) -> list[Staff]:
    """The active heads someone reports to, by name: the groups a page can be narrowed to."""
    bosses = select(Staff.head_id).where(col(Staff.head_id).is_not(None), col(Staff.active).is_(True))
    query = (
        select(Staff).where(col(Staff.id).in_(bosses), col(Staff.active).is_(True)).order_by(col(Staff.name))
    )
    return list((await session.execute(query)).scalars().all())


async def line_group(session: AsyncSession, *, channel: str, account: str) -> int | None:
    """The head of the group that answers this channel account (a WhatsApp number, a mailbox), if any."""
    query = select(ChannelAccount.group_head_id).where(
        col(ChannelAccount.channel) == channel, col(ChannelAccount.name) == account
    )
    return (await session.execute(query)).scalars().first()


def in_group(team: set[int]) -> ColumnElement[bool]:
    """A group's request: assigned to one of its people, or nobody's yet and come in on the group's line."""
    return or_(
        col(Request.assignee_id).in_(team),
        and_(col(Request.assignee_id).is_(None), col(Request.group_head_id).in_(team)),
    )
