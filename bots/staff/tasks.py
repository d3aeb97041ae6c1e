"""Tasks in words: /task …, a free sentence ("поставь Ивану задачу позвонить в Ромашку до пятницы") or a
forwarded client message becomes a proposal card with ✅ create / ✏️ edit / ❌ cancel. Nothing exists until
✅: the proposal is a StaffDraft; ✅ creates the Task and tells the assignee."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from assistant.chains.tasks import ASK, ProposedTask, extract_tasks
from assistant.due_dates import resolve_due
from assistant.llm import LlmFailed
from assistant.staff_names import resolve_staff
from bots.staff.summary import helper_of
from bots.staff.task_rules import TASK_WORDS, capitalized_words, rule_task
from bots.staff.texts import say
from storage.models import Staff, StaffDraft, Task
from storage.repos.audit import audit
from storage.repos.client_search import find_clients
from storage.repos.staff_bot import active_staff, add_draft, open_draft
from workers.context import JobContext
from workers.notify_texts import say as notice_say
from workers.staff_delivery import deliver, their_lang, their_time

log = logging.getLogger(__name__)
MAX_PROPOSALS = 5
PICK = 8  # candidates offered as buttons; more ("Саше" among a big company's Alexanders): a surname is asked


class TaskAction(CallbackData, prefix="tk"):
    action: str  # ok | no | edit | who
    draft_id: int
    field: str = ""
    staff_id: int = 0


class TaskEdit(StatesGroup):
    value = State()


async def task_command(
    message: Message, command: CommandObject, staff: Staff, app: JobContext, lang: str, tz: ZoneInfo
) -> None:
    await propose(message, command.args or "", staff, app, lang, tz)


async def task_text(message: Message, staff: Staff, app: JobContext, lang: str, tz: ZoneInfo) -> None:
    await propose(message, message.text or message.caption or "", staff, app, lang, tz)


async def propose(
    message: Message, text: str, staff: Staff, app: JobContext, lang: str, tz: ZoneInfo
) -> None:
    """The assistant's proposals (or the rule-based one when it is off) as cards; nothing is created here."""
    async with app.db.session() as session:
        people = list(await active_staff(session))
    names = [p.name for p in people]
    now = app.clock().astimezone(tz)  # «завтра в 15:00» is the author's 15:00
    proposals, by_assistant = await _proposals(app, text, staff.name, names, now)
    if not proposals:
        await message.answer(say("task_none", lang))
        return
    for proposal in proposals[:MAX_PROPOSALS]:
        payload = await _payload(app, proposal, text, people, names, by_assistant)
        async with app.db.session() as session:
            draft = await add_draft(session, staff_id=staff.id or 0, payload=payload)
            await session.commit()
        await message.answer(
            await card_text(app, draft, lang, tz), reply_markup=card_keyboard(draft, people, lang)
        )


async def _proposals(
    app: JobContext, text: str, author: str, names: list[str], now: datetime
) -> tuple[list[ProposedTask], bool]:
    helper = helper_of(app)
    if helper is not None:
        try:
            found = await extract_tasks(helper.runner, text, author=author, staff=names, now=now)
            return found.tasks, True
        except LlmFailed as exc:
            log.warning("task proposal by rules: the model failed (%s)", exc)
    rule = rule_task(text, author=author, staff=names, now=now)
    return ([rule] if rule else []), False


async def _payload(
    app: JobContext, p: ProposedTask, text: str, people: list[Staff], names: list[str], by_assistant: bool
) -> dict[str, Any]:
    by_name = {s.name: s.id for s in people}
    client_id, client = await _client(app, [p.client] if p.client else capitalized_words(text, names))
    return {
        "title": p.title,
        "assignee_id": by_name.get(p.assignee) if p.assignee and p.assignee != ASK else None,
        "candidates": [by_name[c] for c in p.candidates if c in by_name],
        "due_at": p.due.at.isoformat() if p.due else None,
        "client_id": client_id,
        "client": client,
        "by_assistant": by_assistant,
    }


async def _client(app: JobContext, mentions: list[str]) -> tuple[int | None, str | None]:
    """The one client the text names, or none (an ambiguous name is left for the staff member to add)."""
    async with app.db.session() as session:
        for mention in mentions:
            hits = [h for h in await find_clients(session, query=mention) if h.kind == "client"]
            if len(hits) == 1:
                return hits[0].id, hits[0].label
    return None, None


async def card_text(app: JobContext, draft: StaffDraft, lang: str, tz: ZoneInfo) -> str:
    p = draft.payload
    async with app.db.session() as session:
        who = await session.get(Staff, p["assignee_id"]) if p.get("assignee_id") else None
    due = _due_label(p.get("due_at"), tz, lang)
    many = len(p.get("candidates") or ())
    if who is not None:
        assignee = who.name
    elif many:
        assignee = say("assignee_pick" if many <= PICK else "assignee_many", lang, count=many)
    else:
        assignee = say("no_assignee", lang)
    return say("task_card", lang, title=p["title"], assignee=assignee, due=due, client=p.get("client") or "—")


def _due_label(raw: str | None, tz: ZoneInfo, lang: str) -> str:
    if not raw:
        return say("no_due", lang)
    return datetime.fromisoformat(raw).astimezone(tz).strftime("%d.%m.%Y %H:%M")


def card_keyboard(draft: StaffDraft, people: list[Staff], lang: str) -> InlineKeyboardMarkup:
    def button(text: str, action: str, **extra: Any) -> InlineKeyboardButton:
        data = TaskAction(action=action, draft_id=draft.id or 0, **extra).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    rows = []
    candidates = [s for s in people if s.id in draft.payload.get("candidates", [])]
    if candidates and not draft.payload.get("assignee_id") and len(candidates) <= PICK:
        picks = [button(s.name, "who", staff_id=s.id or 0) for s in candidates]
        rows += [picks[i : i + 2] for i in range(0, len(picks), 2)]
    rows.append([button(say("btn_create", lang), "ok"), button(say("btn_cancel", lang), "no")])
    rows.append(
        [
            button(say("btn_edit_title", lang), "edit", field="title"),
            button(say("btn_edit_assignee", lang), "edit", field="assignee"),
            button(say("btn_edit_due", lang), "edit", field="due"),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def decide(
    query: CallbackQuery,
    callback_data: TaskAction,
    staff: Staff,
    app: JobContext,
    lang: str,
    state: FSMContext,
    bot: Bot,
    tz: ZoneInfo,
) -> None:
    async with app.db.session() as session:
        draft = await open_draft(session, draft_id=callback_data.draft_id, staff_id=staff.id or 0)
        people = list(await active_staff(session))
    if draft is None:
        await query.answer(say("task_gone", lang))
        return
    await query.answer()
    chat_id = query.message.chat.id if query.message else query.from_user.id
    message_id = query.message.message_id if query.message else None
    if callback_data.action == "edit":
        await state.set_state(TaskEdit.value)
        await state.update_data(draft_id=draft.id, field=callback_data.field)
        await bot.send_message(
            chat_id, say("task_ask_value", lang, field=say(f"field_{callback_data.field}", lang))
        )
        return
    if callback_data.action == "who":
        draft = await _update_payload(app, draft, assignee_id=callback_data.staff_id, candidates=[])
        text, markup = await card_text(app, draft, lang, tz), card_keyboard(draft, people, lang)
    elif callback_data.action == "no":
        await _close(app, draft, "cancelled")
        text, markup = say("task_cancelled", lang), None
    else:
        task = await create_task(app, draft, staff)
        text, markup = (await _created(app, task, lang, tz) if task else say("task_gone", lang)), None
    if message_id is not None:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup)


async def _update_payload(app: JobContext, draft: StaffDraft, **changes: Any) -> StaffDraft:
    async with app.db.session() as session:
        row = await session.get(StaffDraft, draft.id)
        assert row is not None
        row.payload = {**row.payload, **changes}
        await session.commit()
        return row


async def _close(app: JobContext, draft: StaffDraft, status: str) -> None:
    async with app.db.session() as session:
        row = await session.get(StaffDraft, draft.id)
        if row is not None and row.status == "open":
            row.status, row.decided_at = status, app.clock()
            await session.commit()


async def create_task(app: JobContext, draft: StaffDraft, staff: Staff) -> Task | None:
    """The staff member's ✅: the Task, audited, and a note to the assignee. None when a second tap lost."""
    p = draft.payload
    async with app.db.session() as session:
        # Two taps at once: the row lock (PostgreSQL) or BEGIN IMMEDIATE (SQLite) lets one through.
        row = await session.get(StaffDraft, draft.id, with_for_update=True)
        if row is None or row.status != "open":
            return None
        task = Task(
            title=p["title"],
            author_id=staff.id,
            assignee_id=p.get("assignee_id") or staff.id,
            due_at=datetime.fromisoformat(p["due_at"]) if p.get("due_at") else None,
            client_id=p.get("client_id"),
            created_by_assistant=bool(p.get("by_assistant")),
            confirmed_by_id=staff.id,
        )
        session.add(task)
        row.status, row.decided_at = "confirmed", app.clock()
        await session.flush()
        await audit(
            session,
            actor_kind="staff",
            actor_id=staff.id,
            action="task.create",
            entity="task",
            entity_id=task.id,
            details={"draft_id": row.id, "by_assistant": task.created_by_assistant, "via": "staff_bot"},
        )
        await session.commit()
        assignee = await session.get(Staff, task.assignee_id)
    lang = their_lang(app, assignee)  # the assignee's language, not the author's
    if assignee is not None and assignee.id != staff.id and assignee.telegram_user_id:
        due = ""
        if task.due_at:
            due = notice_say("task_due", lang, due=their_time(app, assignee, task.due_at))
        await deliver(
            app,
            key=f"task:{task.id}:assigned",
            kind="task",
            chat_id=assignee.telegram_user_id,
            text=notice_say("task_assigned", lang, author=staff.name, title=task.title, due=due),
            staff_id=assignee.id,
        )
    return task


async def _created(app: JobContext, task: Task, lang: str, tz: ZoneInfo) -> str:
    async with app.db.session() as session:
        who = await session.get(Staff, task.assignee_id) if task.assignee_id else None
    due = _due_label(task.due_at.isoformat() if task.due_at else None, tz, lang)
    return say("task_created", lang, id=task.id, title=task.title, assignee=who.name if who else "—", due=due)


async def edited(
    message: Message, staff: Staff, app: JobContext, lang: str, state: FSMContext, tz: ZoneInfo
) -> None:
    data = await state.get_data()
    async with app.db.session() as session:
        draft = await open_draft(session, draft_id=int(data.get("draft_id", 0)), staff_id=staff.id or 0)
        people = list(await active_staff(session))
    field, text = str(data.get("field", "title")), (message.text or "").strip()
    if draft is None:
        await state.clear()
        await message.answer(say("task_gone", lang))
        return
    change = _change(field, text, staff, people, app.clock().astimezone(tz))
    if change is None:
        await message.answer(say("task_bad_value", lang, field=say(f"field_{field}", lang)))
        return
    await state.clear()
    draft = await _update_payload(app, draft, **change)
    await message.answer(
        await card_text(app, draft, lang, tz), reply_markup=card_keyboard(draft, people, lang)
    )


def _change(field: str, text: str, staff: Staff, people: list[Staff], now: datetime) -> dict[str, Any] | None:
    if not text:
        return None
    if field == "title":
        return {"title": text[:120]}
    if field == "due":
        due = resolve_due(text, now)  # the author's local now
        return {"due_at": due.at.isoformat()} if due else None
    found = resolve_staff(text, [p.name for p in people], author=staff.name)
    by_name = {p.name: p.id for p in people}
    if found.staff:
        return {"assignee_id": by_name[found.staff], "candidates": []}
    if found.candidates:  # "Саше" in a company of three Alexanders: the card offers them
        return {"assignee_id": None, "candidates": [by_name[c] for c in found.candidates]}
    return None


def tasks_router() -> Router:
    router = Router(name="staff-tasks")
    router.message.filter(F.chat.type == "private")
    router.message.register(edited, TaskEdit.value, F.text)
    router.message.register(task_command, Command("task"))
    router.message.register(task_text, F.forward_origin)
    router.message.register(task_text, F.text.regexp(TASK_WORDS), ~F.text.startswith("/"))
    router.callback_query.register(decide, TaskAction.filter())
    return router
