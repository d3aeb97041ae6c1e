"""Who gets a new request: the client's responsible manager, else (when the company turned it on) the next
manager on duty in a stored rotation (among the group that answers the line the request came in on, when the
line has one), else nobody (the shared queue). Deterministic: by staff id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Client, CompanySetting, Request, Staff
from storage.repos.audit import audit
from storage.repos.company_settings import CURSOR_KEY, assignment_settings
from storage.repos.org_chart import team_below
from storage.types import utcnow


async def managers_on_duty(session: AsyncSession, *, among: set[int] | None = None) -> Sequence[Staff]:
    query = (
        select(Staff)
        .where(col(Staff.role) == "manager", col(Staff.active).is_(True), col(Staff.on_duty).is_(True))
        .order_by(col(Staff.id))
    )
    if among is not None:
        query = query.where(col(Staff.id).in_(among))
    return (await session.execute(query)).scalars().all()


async def next_in_rotation(session: AsyncSession, *, group: int | None = None) -> Staff | None:
    """The manager on duty after the last one the rotation picked (by staff id, wrapping round); with a
    group (a line's head), among that group's managers, each group keeping its own place."""
    # The cursor row is locked first, so two requests opened at once take turns and the second sees the
    # first's pick (PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes writers). The groups' places
    # live in the same row, so one lock covers them all.
    query = select(CompanySetting).where(col(CompanySetting.key) == CURSOR_KEY).with_for_update()
    cursor = (await session.execute(query)).scalars().first()
    if cursor is None:  # revision w10s creates the row; a database built otherwise starts one here
        cursor = CompanySetting(key=CURSOR_KEY, value={"staff_id": 0})
        session.add(cursor)
    team = await team_below(session, group) if group is not None else None
    managers = await managers_on_duty(session, among=team)
    if not managers:
        return None
    places = dict(cursor.value.get("groups") or {})
    last = int((places.get(str(group)) if group is not None else cursor.value.get("staff_id")) or 0)
    chosen = next((m for m in managers if (m.id or 0) > last), managers[0])
    if group is not None:
        places[str(group)] = chosen.id
        cursor.value = {**cursor.value, "groups": places}
    else:
        cursor.value = {**cursor.value, "staff_id": chosen.id}
    cursor.updated_at = utcnow()
    return chosen


async def assign_new_request(session: AsyncSession, *, request: Request) -> Staff | None:
    """Sets and audits the assignee of a just-opened request; None leaves it in the shared queue."""
    if request.assignee_id is not None:
        return None
    chosen, reason = None, ""
    client = await session.get(Client, request.client_id) if request.client_id is not None else None
    if client is not None and client.responsible_staff_id is not None:
        responsible = await session.get(Staff, client.responsible_staff_id)
        if responsible is not None and responsible.active and responsible.on_duty:  # else: on leave, or gone
            chosen, reason = responsible, "responsible"
    if chosen is None and (await assignment_settings(session)).round_robin:
        chosen, reason = await next_in_rotation(session, group=request.group_head_id), "round_robin"
    if chosen is None:
        return None
    request.assignee_id = chosen.id
    await audit(
        session,
        actor_kind="system",
        action="request.assign",
        entity="request",
        entity_id=request.id,
        details={"assignee_id": chosen.id, "reason": reason},
    )
    return chosen
