"""The staff bot's dispatcher: the access middleware on every update, then one router per job. Dependencies
(the JobContext with db and queue, the settings, the language) come through dispatcher data."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Update

from bots.staff.access import StaffAccess, access_router
from bots.staff.alerts import alerts_router
from bots.staff.inbox import inbox_router
from bots.staff.language import language_router
from bots.staff.my import my_router
from bots.staff.saved_replies import saved_replies_router
from bots.staff.summary import follow_up_router, summary_router
from bots.staff.tasks import tasks_router
from bots.staff.zone import zone_router
from workers.context import JobContext
from workers.staff_delivery import FSM_STORAGE, staff_bot, staffbot_settings

log = logging.getLogger(__name__)
KEY = "staff_bot_dispatcher"


class StaffBot:
    """One dispatcher per process. FSM state (the client a chat is looking at, a field being edited) is kept
    in Redis where the install has it (arq backend: shared by every process, a day's TTL), else in memory
    (a single-box install: a restart forgets it, nothing else)."""

    def __init__(self, app: JobContext) -> None:
        self.app = app
        self.cfg = staffbot_settings(app)
        shared = app.extras.get(FSM_STORAGE)
        self.dispatcher = Dispatcher(storage=shared if isinstance(shared, BaseStorage) else MemoryStorage())
        self.dispatcher.update.outer_middleware(StaffAccess())
        self.dispatcher.include_routers(
            access_router(),
            inbox_router(self.cfg),
            alerts_router(),
            summary_router(),
            tasks_router(),
            my_router(),
            zone_router(),
            language_router(),
            follow_up_router(),
            saved_replies_router(self.cfg),  # last: a «/…» nothing else took
        )
        self._running: set[asyncio.Task[None]] = set()

    async def feed(self, bot: Bot, update: Update) -> None:
        await self.dispatcher.feed_update(bot, update, app=self.app, cfg=self.cfg, lang=self.cfg.language)

    async def feed_raw(self, update: Update) -> bool:
        """Feed with the configured staff bot; False when no staff bot account is set up."""
        bot = await staff_bot(self.app)
        if bot is None:
            return False
        await self.feed(bot, update)
        return True

    def feed_in_background(self, update: Update) -> None:
        """Answer Telegram at once; a summary may take seconds (the model)."""
        task = asyncio.create_task(self._guarded(update))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _guarded(self, update: Update) -> None:
        try:
            await self.feed_raw(update)
        except Exception:
            log.exception("staff bot update %s failed", update.update_id)

    async def drain(self) -> None:
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)


def staff_bot_of(app: JobContext) -> StaffBot:
    found = app.extras.get(KEY)
    if not isinstance(found, StaffBot):
        found = app.extras[KEY] = StaffBot(app)
    return found
