"""The client dialogue (aiogram Router): /start, /status, and the guided form /new (FSM). Private chats only;
dependencies (the ClientDesk, the time zone) come through dispatcher data."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bots.client.desk import ClientDesk, FormAnswers
from bots.client.texts import say
from intake.request_form import extract_form, find_company


class RequestForm(StatesGroup):
    company = State()
    what = State()
    due = State()
    files = State()


def _who(message: Message) -> str:
    assert message.from_user is not None
    return str(message.from_user.id)


async def start(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(say("greeting"))


async def status(message: Message, desk: ClientDesk, account: str, tz: ZoneInfo) -> None:
    lines = await desk.open_requests(account=account, user_id=_who(message))
    if not lines:
        await message.answer(say("no_requests"))
        return
    rows = [say("status_head")]
    for line in lines:
        due = say("status_due", due=line.due_at.astimezone(tz).strftime("%d.%m.%Y")) if line.due_at else ""
        what = (line.what or "—")[:80]
        rows.append(say("status_line", id=line.id, status=say(f"status_{line.status}"), what=what, due=due))
    await message.answer("\n".join(rows))


async def cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(say("cancelled"))


async def new(message: Message, state: FSMContext) -> None:
    await state.set_state(RequestForm.company)
    await message.answer(say("ask_company"))


async def company(message: Message, state: FSMContext, tz: ZoneInfo) -> None:
    facts = extract_form(message.text or "", now=datetime.now(UTC), tz=tz)
    if facts.inn is None:
        await message.answer(say("bad_inn"))
        return
    await state.update_data(inn=facts.inn, company=facts.company or find_company(message.text or ""))
    await state.set_state(RequestForm.what)
    await message.answer(say("ask_what"))


async def what(message: Message, state: FSMContext) -> None:
    await state.update_data(what=(message.text or "").strip())
    await state.set_state(RequestForm.due)
    await message.answer(say("ask_due"))


async def due(message: Message, state: FSMContext, tz: ZoneInfo) -> None:
    text = (message.text or "").strip()
    when = None if text == "-" else extract_form(text, now=message.date, tz=tz).due_at
    if when is None and text != "-":
        await message.answer(say("bad_due"))
        return
    await state.update_data(due=when.isoformat() if when else None, files=0)
    await state.set_state(RequestForm.files)
    await message.answer(say("ask_files"))


async def done(message: Message, state: FSMContext, desk: ClientDesk, account: str, tz: ZoneInfo) -> None:
    data = await state.get_data()
    await state.clear()
    due_at = datetime.fromisoformat(data["due"]) if data.get("due") else None
    form = FormAnswers(data.get("company"), data["inn"], data["what"], due_at, int(data.get("files", 0)))
    request_id = await desk.fill_form(account=account, user_id=_who(message), form=form)
    if request_id is None:
        await message.answer(say("form_no_request"))
        return
    due_text = due_at.astimezone(tz).strftime("%d.%m.%Y") if due_at else say("no_due")
    await message.answer(
        say(
            "form_done",
            id=request_id,
            company=form.company or "—",
            inn=form.inn,
            what=form.what,
            due=due_text,
        )
    )


async def file(message: Message, state: FSMContext) -> None:
    # The file itself reached the request through intake like any message; the form only counts it.
    await state.update_data(files=int((await state.get_data()).get("files", 0)) + 1)
    await message.answer(say("file_noted"))


def client_router() -> Router:
    """A fresh router per dispatcher (an aiogram router belongs to one parent)."""
    router = Router(name="client")
    router.message.filter(F.chat.type == "private")
    router.message.register(start, CommandStart())
    router.message.register(status, Command("status"))
    router.message.register(cancel, Command("cancel"), StateFilter(RequestForm))
    router.message.register(new, Command("new"))
    router.message.register(company, RequestForm.company, F.text)
    router.message.register(what, RequestForm.what, F.text)
    router.message.register(due, RequestForm.due, F.text)
    router.message.register(done, RequestForm.files, Command("done"))
    router.message.register(file, RequestForm.files, F.document | F.photo)
    return router
