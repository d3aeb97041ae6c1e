"""The tasks board: columns by status, a filter by assignee, overdue tasks highlighted, a new-task form."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import String, cast, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Client, Staff, Task
from storage.repos.audit import audit
from storage.types import utcnow
from web.local_time import due_from_date
from web.queries import staff_names
from web.ui import company_tz, flash, me, my_tz, redirect, render, row_or_404, state
from workers.recurring import spawn_next

COLUMNS = ("open", "done", "cancelled")
OPEN_TASKS = 500
CLOSED_TASKS = 100  # per closed column: the latest
RECURRENCES = ("", "daily", "weekly", "monthly", "quarterly", "yearly")


def _on_board_of(task: Task, staff_id: int) -> bool:
    """A staff member's board: the tasks they do and the tasks they watch."""
    return task.assignee_id == staff_id or staff_id in task.watcher_ids


async def board(request: web.Request) -> web.Response:
    assignee = request.query.get("assignee", "")
    async with state(request).services.db.session() as session:
        tasks = await _board_tasks(session, int(assignee) if assignee.isdigit() else None)
        names = await staff_names(session)
        clients = (await session.execute(select(Client).order_by(col(Client.name)))).scalars().all()
    columns = {name: [t for t in tasks if t.status == name] for name in COLUMNS}
    return render(
        request,
        "tasks.html",
        columns=columns,
        staff=names,
        clients=clients,
        assignee=assignee,
        now=utcnow(),
        recurrences=RECURRENCES,
    )


async def _board_tasks(session: AsyncSession, staff_id: int | None) -> list[Task]:
    """Every open task by due date (up to OPEN_TASKS), and the latest CLOSED_TASKS done and cancelled ones:
    the board once read the 500 earliest due of all, so past 500 finished tasks (a daily recurring one
    makes 250 a year) the open ones were missing."""
    mine = None
    if staff_id is not None:
        # watchers are a JSON list: its text narrows the rows, _on_board_of decides ("3" is in "[13]")
        watched = cast(col(Task.watcher_ids), String).contains(str(staff_id))
        mine = or_(col(Task.assignee_id) == staff_id, watched)
    by_due = (col(Task.due_at).is_(None), col(Task.due_at), col(Task.id))
    queries = [select(Task).where(col(Task.status) == "open").order_by(*by_due).limit(OPEN_TASKS)]
    latest = func.coalesce(col(Task.done_at), col(Task.created_at)).desc()
    for closed in COLUMNS[1:]:
        queries.append(select(Task).where(col(Task.status) == closed).order_by(latest).limit(CLOSED_TASKS))
    tasks: list[Task] = []
    for query in queries:
        if mine is not None:
            query = query.where(mine)
        tasks += (await session.execute(query)).scalars().all()
    return [t for t in tasks if staff_id is None or _on_board_of(t, staff_id)]


async def create(request: web.Request) -> web.Response:
    form = await request.post()
    title = str(form.get("title", "")).strip()[:500]
    if not title:
        flash(request, "tasks.no_title")
        raise redirect("/ui/tasks")
    assignee, client, due_raw = (str(form.get(k, "")) for k in ("assignee_id", "client_id", "due"))
    recurrence = str(form.get("recurrence", ""))
    try:
        due = due_from_date(due_raw, my_tz(request))
    except ValueError:
        due = None
    task = Task(
        title=title,
        author_id=me(request).id,
        assignee_id=int(assignee) if assignee.isdigit() else me(request).id,
        client_id=int(client) if client.isdigit() else None,
        due_at=due,
        recurrence=recurrence if recurrence in RECURRENCES and recurrence else None,
    )
    async with state(request).services.db.session() as session:
        session.add(task)
        await session.flush()
        await audit(
            session,
            actor_kind="staff",
            actor_id=me(request).id,
            action="task.create",
            entity="task",
            entity_id=task.id,
        )
        await session.commit()
    flash(request, "tasks.created")
    raise redirect("/ui/tasks")


async def set_status(request: web.Request) -> web.Response:
    form = await request.post()
    status = str(form.get("status", ""))
    raw = request.match_info["id"]
    if status not in COLUMNS:
        raise web.HTTPBadRequest(text="bad status")
    async with state(request).services.db.session() as session:
        task = await row_or_404(session, Task, raw)
        task.status = status
        task.done_at = utcnow() if status == "done" else None
        if status == "done":  # a recurring task's next occurrence appears at once, not at the next sweep
            await spawn_next(session, task, now=utcnow(), tz=company_tz(request))
        await audit(
            session,
            actor_kind="staff",
            actor_id=me(request).id,
            action="task.status",
            entity="task",
            entity_id=task.id,
            details={"to": status},
        )
        await session.commit()
    raise redirect("/ui/tasks")


async def watchers(request: web.Request) -> web.Response:
    """Adds or removes a watcher: watchers see the task on their own board."""
    form = await request.post()
    raw, staff_raw, action = (
        request.match_info["id"],
        str(form.get("staff_id", "")),
        str(form.get("action", "")),
    )
    if not staff_raw.isdigit() or action not in ("add", "remove"):
        raise web.HTTPBadRequest(text="staff_id and action=add|remove")
    async with state(request).services.db.session() as session:
        task = await session.get(Task, int(raw)) if raw.isdigit() else None
        watcher = await session.get(Staff, int(staff_raw))
        if task is None or watcher is None:
            raise web.HTTPNotFound(text="not found")
        ids = [i for i in task.watcher_ids if i != watcher.id]
        task.watcher_ids = [*ids, watcher.id or 0] if action == "add" else ids  # a new list: JSON change seen
        await audit(
            session,
            actor_kind="staff",
            actor_id=me(request).id,
            action=f"task.watcher_{action}",
            entity="task",
            entity_id=task.id,
            details={"staff_id": watcher.id},
        )
        await session.commit()
    raise redirect(f"/ui/tasks#task-{raw}")
