"""Saved replies in the staff group: in a client's topic «/реквизиты» sends the company's saved reply of that
code to the client, filled in for the topic's request (workers/saved_replies.py), and shows the member what
went; /replies lists the codes. Registered last, so a «/…» no other handler took is answered here, never
dropped in silence (a mistyped «/dnoe» used to vanish)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bots.staff.inbox import answer_client, topic_request_id
from bots.staff.texts import say
from storage.models import Request, Staff
from storage.repos.saved_replies import usable_replies
from workers.context import JobContext
from workers.saved_replies import SavedReplyError, reply_text, typed_code
from workers.staffbot_config import StaffBotSettings

LIST_PREVIEW = 80


async def list_replies(message: Message, staff: Staff, app: JobContext, lang: str) -> None:
    async with app.db.session() as session:
        rows = await usable_replies(session, staff_id=staff.id)
    if not rows:
        await message.reply(say("replies_none", lang))
        return
    lines = [f"/{r.code} — {_preview(r.text)}" for r in rows]
    await message.reply(say("replies_list", lang, lines="\n".join(lines)))


def _preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= LIST_PREVIEW else line[: LIST_PREVIEW - 1] + "…"


async def send_saved(message: Message, staff: Staff, app: JobContext, lang: str) -> None:
    request_id = await topic_request_id(message, app)
    if request_id is None:
        return  # a topic okno did not create: staff talk among themselves
    typed = message.text or ""
    if typed_code(typed) is None:  # «/unknown words»: neither a command nor one saved reply's code
        await message.reply(say("topic_unknown_command", lang))
        return
    async with app.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        try:
            text = await reply_text(session, typed, request=request, staff=staff)
        except SavedReplyError as exc:
            await message.reply(say(f"replies_{exc.reason}", lang, value=exc.value))
            return
    if await answer_client(message, staff, app, lang, request_id=request_id, text=text):
        await message.reply(say("replies_sent", lang, text=text))  # the text that went, under the «/код»


def saved_replies_router(cfg: StaffBotSettings) -> Router:
    router = Router(name="staff-saved-replies")
    router.message.register(list_replies, Command("replies"))
    if cfg.forum_chat_id is not None:
        router.message.register(
            send_saved, F.chat.id == cfg.forum_chat_id, F.message_thread_id, F.text.startswith("/")
        )
    return router
