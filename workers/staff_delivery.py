"""Messages the staff bot sends by itself (alerts, reminders, digests, mirrored client messages): each has a
key; the StaffNotice row is claimed first and marked sent after, so a redelivered job sends nothing twice
(at-least-once only across a crash between Telegram's answer and the commit)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from sqlalchemy import update
from sqlmodel import col

from channels.base import AccountView
from channels.telegram.bots import BotPool, MissingToken
from intake.zones import zone_of
from storage.models import Staff, StaffNotice
from storage.repos.staff_bot import claim_notice
from workers.context import JobContext
from workers.notify_texts import say
from workers.staffbot_config import LANGUAGES, StaffBotSettings

log = logging.getLogger(__name__)
CHANNEL = "telegram_staff"  # its own ChannelAccount kind: never a client channel, never through intake
POOL = "staff_bot_pool"
FSM_STORAGE = "staff_bot_fsm_storage"  # set by the composition root where Redis is there (okno/services.py)
SETTINGS = "staffbot"
MAX_TRIES = 5


def staffbot_settings(app: JobContext) -> StaffBotSettings:
    found = app.extras.get(SETTINGS)
    return found if isinstance(found, StaffBotSettings) else StaffBotSettings()


async def staff_account(app: JobContext) -> AccountView | None:
    return await app.accounts.by_name(CHANNEL, staffbot_settings(app).account)


def bot_pool(app: JobContext) -> BotPool:
    pool = app.extras.get(POOL)
    if not isinstance(pool, BotPool):
        pool = app.extras[POOL] = BotPool()
    return pool


async def staff_bot(app: JobContext) -> Bot | None:
    account = await staff_account(app)
    if account is None:
        return None
    try:
        return bot_pool(app).get(account)
    except MissingToken:
        log.warning("staff bot account %r has no bot_token", account.name)
        return None


async def close_staff_bots(app: JobContext) -> None:
    pool = app.extras.pop(POOL, None)
    if isinstance(pool, BotPool):
        await pool.close()


def their_lang(app: JobContext, person: Staff | None) -> str:
    """The language a member reads the staff bot in: their own (web profile, /lang), else the company's."""
    own = person.language if person is not None else None
    return own if own in LANGUAGES else staffbot_settings(app).language


def their_time(app: JobContext, person: Staff | None, moment: datetime) -> str:
    """A time as the member reads it: in their own zone (a branch in another city), else the company's."""
    return moment.astimezone(zone_of(person.timezone if person else None, app.policy.tz)).strftime(
        "%d.%m %H:%M"
    )


async def tell(app: JobContext, person: Staff, *, key: str, kind: str, text: str, link: str = "") -> bool:
    """One notice to one staff member's private chat, with the request's link under it; True when sent now."""
    if link:
        text += "\n" + say("alert_link", their_lang(app, person), link=link)
    chat_id = person.telegram_user_id or 0
    return await deliver(app, key=key, kind=kind, chat_id=chat_id, text=text, staff_id=person.id) is not None


async def deliver(
    app: JobContext,
    *,
    key: str,
    kind: str,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    thread_id: int | None = None,
    staff_id: int | None = None,
    alert_id: int | None = None,
    files: list[tuple[str, bytes]] | None = None,
) -> int | None:
    """The Telegram message id when sent now; None when sent before, given up, or no staff bot is set up."""
    bot = await staff_bot(app)
    if bot is None:
        return None
    async with app.db.session() as session:
        notice = await claim_notice(
            session, key=key, kind=kind, chat_id=chat_id, staff_id=staff_id, alert_id=alert_id
        )
    if notice is None:
        return None
    try:
        sent = await bot.send_message(
            chat_id=chat_id, text=text[:4096], reply_markup=markup, message_thread_id=thread_id
        )
    except TelegramAPIError as exc:
        # Blocked by the person, or refused for good after a few tries: recorded, not retried forever.
        final = isinstance(exc, TelegramForbiddenError) or notice.attempts + 1 >= MAX_TRIES
        await _mark(app, notice, status="failed" if final else "pending", error=exc.message)
        log.warning("staff notice %s not sent: %s", key, exc.message)
        return None
    await _mark(app, notice, status="sent", message_id=sent.message_id)
    await _send_files(bot, chat_id, thread_id, files or [])
    return sent.message_id


async def _send_files(bot: Bot, chat_id: int, thread_id: int | None, files: list[tuple[str, bytes]]) -> None:
    """After the text is marked sent: a refused file is logged (its name is in the text), never resent."""
    for name, data in files:
        try:
            await bot.send_document(
                chat_id=chat_id, document=BufferedInputFile(data, filename=name), message_thread_id=thread_id
            )
        except TelegramAPIError as exc:
            log.warning("staff bot: file %r not sent to %s: %s", name, chat_id, exc.message)


async def _mark(
    app: JobContext,
    notice: StaffNotice,
    *,
    status: str,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {"status": status, "attempts": notice.attempts + 1, "last_error": error}
    if status == "sent":
        values.update(telegram_message_id=message_id, sent_at=app.clock())
    async with app.db.session() as session:
        await session.execute(update(StaffNotice).where(col(StaffNotice.id) == notice.id).values(**values))
        await session.commit()
