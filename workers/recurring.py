"""Recurring tasks (daily, weekly, monthly — "the monthly VAT report for each client"): when an occurrence is
done, or its due time passes, the next one is created. The rule moves to the new task, so each occurrence
spawns at most one successor, even when two runners see it at once (a conditional UPDATE claims it)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from storage.models import Task
from storage.repos.audit import audit
from workers.context import services
from workers.recurrence import first_due_after

log = logging.getLogger(__name__)


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
