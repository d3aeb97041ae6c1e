"""Recurring tasks (daily, weekly, monthly — "the monthly VAT report for each client"): when an occurrence is
done, or its due time passes, the next one is created. The rule moves to the new task, so each occurrence
spawns at most one successor, even when two runners see it at once (a conditional UPDATE claims it)."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from storage.models import Task
from storage.repos.audit import audit
from workers.context import services

log = logging.getLogger(__name__)
RULES = ("daily", "weekly", "monthly")
MAX_STEPS = 1000  # a task left for years still moves to the first future date without looping forever


def parse_rule(recurrence: str) -> tuple[str, int | None]:
    """ "monthly" or "monthly;bymonthday=31" -> ("monthly", 31); the day a clamped month end came from."""
    name, _, param = recurrence.partition(";")
    if name not in RULES:
        raise ValueError(f"unknown recurrence {recurrence!r}: one of {', '.join(RULES)}")
    day = int(param.removeprefix("bymonthday=")) if param.startswith("bymonthday=") else None
    return name, day


def _add_month(day: date, anchor: int) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def next_due(due: datetime, recurrence: str, tz: ZoneInfo) -> tuple[datetime, str]:
    """The next occurrence in company time, and the rule to store on it (keeps a month end's real day)."""
    name, anchor = parse_rule(recurrence)
    local = due.astimezone(tz)
    if name == "daily":
        day = local.date() + timedelta(days=1)
    elif name == "weekly":
        day = local.date() + timedelta(days=7)
    else:
        anchor = anchor or local.day
        day = _add_month(local.date(), anchor)
    rule = f"monthly;bymonthday={anchor}" if name == "monthly" and anchor and anchor > 28 else name
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(due.tzinfo), rule


def first_due_after(due: datetime, recurrence: str, tz: ZoneInfo, now: datetime) -> tuple[datetime, str]:
    nxt, rule = next_due(due, recurrence, tz)
    for _ in range(MAX_STEPS):
        if nxt > now:
            break
        nxt, rule = next_due(nxt, rule, tz)
    return nxt, rule


async def spawn_next(session: AsyncSession, task: Task, *, now: datetime, tz: ZoneInfo) -> Task | None:
    """Creates the next occurrence of a recurring task, once; None when it is not recurring or already did."""
    rule = task.recurrence
    if not rule:
        return None
    claimed = await session.execute(
        update(Task)
        .where(col(Task.id) == task.id, col(Task.recurrence) == rule)
        .values(recurrence=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None  # another runner took it
    task.recurrence = None
    due, next_rule = first_due_after(task.due_at or now, rule, tz, now)
    follower = Task(
        title=task.title,
        description=task.description,
        author_id=task.author_id,
        assignee_id=task.assignee_id,
        watcher_ids=list(task.watcher_ids),
        due_at=due,
        client_id=task.client_id,
        recurrence=next_rule,
    )
    session.add(follower)
    await session.flush()
    await audit(
        session,
        actor_kind="system",
        action="task.recur",
        entity="task",
        entity_id=follower.id,
        details={"previous": task.id, "rule": next_rule},
    )
    return follower


async def roll_recurring_tasks(ctx: Mapping[str, Any]) -> int:
    """The job: the next occurrence for every recurring task that is done or past its due time."""
    app = services(ctx)
    now = app.clock()
    query = (
        select(Task.id)
        .where(col(Task.recurrence).is_not(None))
        .where(or_(col(Task.status) == "done", (col(Task.status) == "open") & (col(Task.due_at) <= now)))
        .order_by(col(Task.id))
        .limit(500)
    )
    spawned = 0
    async with app.db.session() as session:
        ids = (await session.execute(query)).scalars().all()
    for task_id in ids:
        async with app.db.session() as session:
            task = await session.get(Task, task_id)
            if task is not None and await spawn_next(session, task, now=now, tz=app.policy.tz):
                spawned += 1
            await session.commit()
    if spawned:
        log.info("recurring tasks: %d next occurrences created", spawned)
    return spawned
