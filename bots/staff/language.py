"""/lang in a private chat: the language a member reads okno in — the bot's answers, their notices and, from
their next sign-in, the web — for an English-speaking director in a Russian office, or the other way round.
The staff group keeps the company's language: everyone there reads the same answer."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bots.staff.texts import say
from bots.staff.zone import save_own
from storage.models import Staff
from workers.context import JobContext
from workers.staff_delivery import staffbot_settings
from workers.staffbot_config import LANGUAGE_WORDS

WORDS: dict[str, str | None] = {
    **LANGUAGE_WORDS,
    **dict.fromkeys(("-", "—", "компании", "как у компании", "company")),  # back to the company's
}


async def language(
    message: Message, command: CommandObject, staff: Staff, app: JobContext, lang: str
) -> None:
    written = (command.args or "").strip().casefold()
    if not written:
        await message.answer(say("lang_now", lang))
        return
    if written not in WORDS:
        await message.answer(say("lang_bad", lang, written=written[:40]))
        return
    wanted = WORDS[written]
    await save_own(app, staff, "language", wanted)
    await message.answer(say("lang_set", wanted or staffbot_settings(app).language))


def language_router() -> Router:
    router = Router(name="staff-language")
    router.message.register(language, Command("lang"), F.chat.type == "private")
    return router
