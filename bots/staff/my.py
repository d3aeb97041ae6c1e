"""/my: my open tasks and requests, each with buttons to mark it done or move it a day later."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bots.staff.texts import say
from intake.sla import client_wait_due
from storage.models import Request, Staff, Task
from storage.models.requests import OPEN_STATUSES
from storage.repos.audit import audit
from storage.repos.company_settings import sla_settings
from storage.repos.requests import RequestTransitionError, change_status, set_field
from workers.context import JobContext

LIMIT = 20


class MyAction(CallbackData, prefix="my"):
    kind: str  # task | req
    id: int
    action: str  # done | later


async def my_list(message: Message, staff: Staff, app: JobContext, lang: str, tz: ZoneInfo) -> None:
    async with app.db.session() as session:
        tasks = (
            (
                await session.execute(
                    select(Task)
                    .where(col(Task.assignee_id) == staff.id, col(Task.status) == "open")
                    .order_by(col(Task.due_at))
                    .limit(LIMIT)
                )
            )
            .scalars()
            .all()
        )
        requests = (
            (
                await session.execute(
                    select(Request)
                    .where(col(Request.assignee_id) == staff.id, col(Request.status).in_(OPEN_STATUSES))
                    .order_by(col(Request.id))
                    .limit(LIMIT)
                )
            )
            .scalars()
            .all()
        )
        sla = await sla_settings(session)
    if not tasks and not requests:
        await message.answer(say("my_empty", lang))
        return
    lines, rows = [], []
    if tasks:
        lines.append(say("my_tasks", lang))
    for task in tasks:
        due = task.due_at.astimezone(tz).strftime("%d.%m %H:%M") if task.due_at else say("no_due", lang)
        lines.append(say("my_task", lang, id=task.id, title=task.title, due=due))
        rows.append(_buttons("task", task.id or 0, f"#{task.id}", lang))
    if requests:
        lines.append(say("my_requests", lang))
    for request in requests:
        due = request.due_at.astimezone(tz).strftime("%d.%m %H:%M") if request.due_at else say("no_due", lang)
        status = say(f"status_{request.status}", lang)
        if waited := client_wait_due(request, sla, app.policy.tz):  # till when the client may stay silent
            key = "status_silent" if waited <= app.clock() else "status_waiting_until"
            status = say(key, lang, until=waited.astimezone(tz).strftime("%d.%m %H:%M"))
        lines.append(say("my_request", lang, id=request.id, status=status, what=request.what or "—", due=due))
        rows.append(_buttons("req", request.id or 0, f"№{request.id}", lang))
    await message.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


def _buttons(kind: str, id: int, label: str, lang: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=f"{say('btn_done', lang)} {label}",
            callback_data=MyAction(kind=kind, id=id, action="done").pack(),
        ),
        InlineKeyboardButton(
            text=f"{say('btn_postpone', lang)} {label}",
            callback_data=MyAction(kind=kind, id=id, action="later").pack(),
        ),
    ]


async def my_action(
    query: CallbackQuery, callback_data: MyAction, staff: Staff, app: JobContext, lang: str, tz: ZoneInfo
) -> None:
    now = app.clock()
    async with app.db.session() as session:
        item: Task | Request | None = await session.get(
            Task if callback_data.kind == "task" else Request, callback_data.id
        )
        if item is None or item.assignee_id != staff.id:
            await query.answer(say("task_gone", lang))
            return
        try:
            if callback_data.action == "done":
                await _done(session, item, staff, now)
                answer = say("my_done", lang)
            else:
                later = await _later(session, item, staff, now)
                answer = say("my_postponed", lang, due=later.astimezone(tz).strftime("%d.%m %H:%M"))
        except RequestTransitionError as exc:
            await query.answer(say("topic_bad_status", lang, reason=str(exc))[:200])
            return
        await session.commit()
    await query.answer(answer)


async def _done(session: AsyncSession, item: Task | Request, staff: Staff, now: datetime) -> None:
    if isinstance(item, Request):
        await change_status(session, request=item, status="done", at=now, staff_id=staff.id)
        return
    item.status, item.done_at = "done", now
    await audit(
        session,
        actor_kind="staff",
        actor_id=staff.id,
        action="task.status",
        entity="task",
        entity_id=item.id,
        details={"to": "done", "via": "staff_bot"},
    )


async def _later(session: AsyncSession, item: Task | Request, staff: Staff, now: datetime) -> datetime:
    later = max(item.due_at or now, now) + timedelta(days=1)
    if isinstance(item, Request):
        set_field(item, field="due_at", value=later, source="manager", at=now, note="staff bot")
        return later
    item.due_at = later
    await audit(
        session,
        actor_kind="staff",
        actor_id=staff.id,
        action="task.due",
        entity="task",
        entity_id=item.id,
        details={"due_at": later.isoformat(), "via": "staff_bot"},
    )
    return later


def my_router() -> Router:
    router = Router(name="staff-my")
    router.message.register(my_list, Command("my"), F.chat.type == "private")
    router.callback_query.register(my_action, MyAction.filter())
    return router
