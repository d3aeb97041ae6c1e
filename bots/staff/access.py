"""Who may use the staff bot: active Staff by Telegram user id, read from the database on every update (a
deactivated member loses access at once). Anyone else gets one polite refusal and nothing else; the only
thing they can do is redeem an invite code (/start CODE or /join CODE)."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message, TelegramObject, Update, User

from bots.staff.texts import say
from intake.zones import zone_of
from storage.models import Staff
from storage.repos.staff_bot import InviteRefused, redeem_invite, staff_by_telegram
from workers.context import JobContext
from workers.staffbot_config import LANGUAGES

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
INVITE = re.compile(r"^/(start|join)(@\w+)?\s+\S+")
REFUSE_EVERY_S = 3600.0  # one refusal per person per hour, however often they write
MAX_REMEMBERED = 10_000


class StaffAccess(BaseMiddleware):
    """An outer middleware on updates: puts `staff` into the handler data, or stops the update."""

    def __init__(self) -> None:
        self.refused: dict[int, float] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return None
        app: JobContext = data["app"]
        async with app.db.session() as session:
            staff = await staff_by_telegram(session, telegram_user_id=user.id)
        data["staff"] = staff
        # Times the member reads and writes: in their private chat their own zone; in the staff group every
        # member reads the reply, so it speaks the company's time.
        chat = data.get("event_chat")
        private = chat is None or chat.type == "private"
        data["tz"] = zone_of(staff.timezone if staff is not None and private else None, app.policy.tz)
        if staff is not None and private and staff.language in LANGUAGES:  # else the company's (the feed's)
            data["lang"] = staff.language
        if staff is not None or _is_invite(event):
            return await handler(event, data)
        await self._refuse(event, data["bot"], user.id, data.get("lang", "ru"))
        return None

    async def _refuse(self, event: TelegramObject, bot: Bot, user_id: int, lang: str) -> None:
        if not isinstance(event, Update):
            return
        now = time.monotonic()
        if now - self.refused.get(user_id, float("-inf")) < REFUSE_EVERY_S:
            if event.callback_query is not None:
                await bot.answer_callback_query(event.callback_query.id)
            return
        if len(self.refused) >= MAX_REMEMBERED:
            self.refused.clear()
        self.refused[user_id] = now
        if event.callback_query is not None:
            await bot.answer_callback_query(
                event.callback_query.id, text=say("refusal", lang), show_alert=True
            )
        elif event.message is not None and event.message.chat.type == "private":
            await bot.send_message(event.message.chat.id, say("refusal", lang))
        # In groups an outsider is ignored: the staff group is not theirs to talk to the bot in.


def _is_invite(event: TelegramObject) -> bool:
    message = event.message if isinstance(event, Update) else None
    return bool(message and message.chat.type == "private" and INVITE.match(message.text or ""))


async def join(
    message: Message, command: CommandObject, staff: Staff | None, app: JobContext, lang: str
) -> None:
    if staff is not None:
        await message.answer(say("invite_already", lang, name=staff.name))
        return
    assert message.from_user is not None
    who = message.from_user.full_name
    try:
        async with app.db.session() as session:
            joined = await redeem_invite(
                session,
                code=command.args or "",
                telegram_user_id=message.from_user.id,
                display_name=who,
                now=app.clock(),
            )
            await session.commit()
    except InviteRefused:
        await message.answer(say("invite_bad", lang))
        return
    role = say(f"role_{joined.role}", lang)
    await message.answer(say("invite_done", lang, name=joined.name, role=role, help=say("help", lang)))


async def start(message: Message, lang: str) -> None:
    await message.answer(say("help", lang))


def access_router() -> Router:
    router = Router(name="staff-access")
    router.message.register(join, CommandStart(deep_link=True), F.chat.type == "private")
    router.message.register(join, Command("join"), F.chat.type == "private", F.text.regexp(INVITE))
    router.message.register(start, CommandStart(), F.chat.type == "private")
    router.message.register(start, Command("help"))
    return router
