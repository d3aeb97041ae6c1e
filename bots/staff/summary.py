"""Client lookup and summary: /client Ромашка, an INN, a phone, or "что с Ромашкой?" / "summarize Romashka".
Several matches -> a keyboard to pick. The answer is sent at once from what is stored (requests, contacts,
alerts, the rolling summary); when messages came since, the summary is updated and the message edited.
A question in the same chat afterwards is answered by retrieval over that client's history."""

from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from assistant.history import count_since, summarize_client
from assistant.llm import LlmFailed, LlmUnavailable
from assistant.local_models import ModelMissing
from assistant.rag import ask
from bots.staff.client_view import ClientView, cite_requests, compose, facts_text, load_view, summary_text
from bots.staff.texts import say
from storage.repos.client_search import ClientHit, find_clients
from workers.analyze import AssistantServices, assistant_of
from workers.context import JobContext
from workers.indexing import index_of
from workers.staffbot_config import StaffBotSettings

log = logging.getLogger(__name__)
ASKED = re.compile(
    r"^\s*(?:что\s+(?:с|по|у)|как\s+(?:там|дела\s+у)|сводк\w*\s+(?:по|о)|расскажи\s+(?:о|об|про)|"
    r"summar\w*|what\s+about|how\s+is)\s+(?P<who>.+?)\s*\??\s*$",
    re.IGNORECASE,
)


class ClientPick(CallbackData, prefix="cl"):
    kind: str
    id: int


def helper_of(app: JobContext) -> AssistantServices | None:
    try:
        return assistant_of(app)
    except (ModelMissing, LlmUnavailable) as exc:
        log.warning("staff bot: assistant unavailable: %s", exc)
        return None


async def client_command(
    message: Message,
    command: CommandObject,
    app: JobContext,
    cfg: StaffBotSettings,
    lang: str,
    state: FSMContext,
    tz: ZoneInfo,
) -> None:
    await lookup(message, command.args or "", app, cfg, lang, state, tz)


async def client_phrase(
    message: Message, app: JobContext, cfg: StaffBotSettings, lang: str, state: FSMContext, tz: ZoneInfo
) -> None:
    found = ASKED.match(message.text or "")
    assert found is not None
    await lookup(message, found.group("who"), app, cfg, lang, state, tz)


async def lookup(
    message: Message,
    query: str,
    app: JobContext,
    cfg: StaffBotSettings,
    lang: str,
    state: FSMContext,
    tz: ZoneInfo,
) -> None:
    if not query.strip():
        await message.answer(say("lookup_empty", lang))
        return
    async with app.db.session() as session:
        hits = await find_clients(session, query=query)
    if not hits:
        await message.answer(say("lookup_none", lang, query=query[:80]))
    elif len(hits) > 1:
        await message.answer(say("lookup_pick", lang), reply_markup=pick_keyboard(hits))
    else:
        assert message.bot is not None
        await show(message.bot, message.chat.id, hits[0].kind, hits[0].id, app, cfg, lang, state, tz)


def pick_keyboard(hits: list[ClientHit]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=h.label[:60], callback_data=ClientPick(kind=h.kind, id=h.id).pack())]
            for h in hits
        ]
    )


async def picked(
    query: CallbackQuery,
    callback_data: ClientPick,
    app: JobContext,
    cfg: StaffBotSettings,
    lang: str,
    state: FSMContext,
    bot: Bot,
    tz: ZoneInfo,
) -> None:
    await query.answer()
    chat_id = query.message.chat.id if query.message else query.from_user.id
    await show(bot, chat_id, callback_data.kind, callback_data.id, app, cfg, lang, state, tz)


async def show(
    bot: Bot,
    chat_id: int,
    kind: str,
    id: int,
    app: JobContext,
    cfg: StaffBotSettings,
    lang: str,
    state: FSMContext,
    tz: ZoneInfo,
) -> None:
    """Send what is stored now; then fold new messages into the summary and edit the same message."""
    await state.update_data(client_kind=kind, client_id=id)
    async with app.db.session() as session:
        view = await load_view(session, kind=kind, id=id)
        new = await count_since(session, id, view.last_message_id) if view and kind == "client" else 0
    if view is None:
        await bot.send_message(chat_id, say("lookup_none", lang, query=f"#{id}"))
        return
    facts = facts_text(view, tz, lang)
    helper = helper_of(app) if new else None
    tail = [say("card_updating" if helper else "card_assistant_off", lang, count=new)] if new else []
    sent = await bot.send_message(chat_id, compose([facts, summary_text(view, cfg.web_url, lang), tail]))
    if helper is None:
        return
    tail = await _refresh(app, helper, view, lang)
    await bot.edit_message_text(
        compose([facts, summary_text(view, cfg.web_url, lang), tail]),
        chat_id=chat_id,
        message_id=sent.message_id,
    )


async def _refresh(app: JobContext, helper: AssistantServices, view: ClientView, lang: str) -> list[str]:
    try:
        points, _ = await summarize_client(app.db, helper.runner, view.id, language=lang, tz=helper.tz)
        view.points = list(points)
        async with app.db.session() as session:
            await cite_requests(session, view)
    except LlmFailed as exc:
        log.warning("summary of client %s not updated: %s", view.id, exc)
        return [say("card_update_failed", lang)]
    return []


async def follow_up(message: Message, app: JobContext, lang: str, state: FSMContext, tz: ZoneInfo) -> None:
    """A question after a summary: retrieval over that client's history, answered with citations."""
    data = await state.get_data()
    if data.get("client_kind") != "client":
        await message.answer(say("ask_no_client", lang))
        return
    helper, index = helper_of(app), index_of(app)
    if helper is None or index is None:
        await message.answer(say("ask_off", lang))
        return
    try:
        answered = await ask(
            helper.runner,
            index,
            client_id=int(data["client_id"]),
            question=message.text or "",
            now=app.clock().astimezone(tz),  # «в октябре» is the asker's October
        )
    except LlmFailed:
        await message.answer(say("ask_off", lang))
        return
    links = ", ".join(f"#m{c}" for c in answered.cites)
    await message.answer(say("ask_answer", lang, text=answered.text, links=links))


def summary_router() -> Router:
    router = Router(name="staff-summary")
    router.message.filter(F.chat.type == "private")
    router.message.register(client_command, Command("client"))
    router.message.register(client_phrase, F.text.regexp(ASKED))
    router.callback_query.register(picked, ClientPick.filter())
    return router


def follow_up_router() -> Router:
    """Registered last: a plain question is a follow-up only when nothing else claimed the text."""
    router = Router(name="staff-follow-up")
    router.message.register(follow_up, F.chat.type == "private", F.text.endswith("?"))
    return router
