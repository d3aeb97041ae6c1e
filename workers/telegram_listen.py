"""What `okno listen` runs for Telegram: long polling per polling bot, setWebhook for webhook bots when a
public URL is configured, and the sweep that brings attachments into blob storage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiogram.exceptions import TelegramAPIError

from channels.base import AccountView, RawEventSink
from channels.telegram.bots import BotPool
from channels.telegram.parse import ALLOWED_UPDATES
from channels.telegram.polling import PollingLoop
from channels.telegram.routes import WEBHOOK_SECRET, webhook_path
from storage.crypto import SecretBox
from storage.repos.accounts import list_channel_accounts
from workers.context import JobContext
from workers.listeners import InboundLoop, PeriodicSweep
from workers.telegram_files import sweep_telegram_files

log = logging.getLogger(__name__)


class WebhookRegistration:
    """setWebhook (URL + secret_token) for each webhook-mode bot at start, then again every few hours."""

    name = "telegram-webhooks"

    def __init__(
        self, accounts: Sequence[AccountView], public_url: str, *, every_s: float = 6 * 3600
    ) -> None:
        self.accounts = accounts
        self.public_url = public_url.rstrip("/")
        self.every_s = every_s

    async def register(self, pool: BotPool) -> int:
        done = 0
        for account in self.accounts:
            url = self.public_url + webhook_path(account.name)
            try:
                await pool.get(account).set_webhook(
                    url, secret_token=account.secrets.get(WEBHOOK_SECRET), allowed_updates=ALLOWED_UPDATES
                )
                done += 1
                log.info("telegram %s: webhook set to %s", account.name, url)
            except TelegramAPIError as exc:
                log.warning("telegram %s: setWebhook refused: %s", account.name, exc.message)
        return done

    async def run(self, sink: RawEventSink) -> None:
        pool = BotPool()
        try:
            while True:
                await self.register(pool)
                await asyncio.sleep(self.every_s)
        finally:
            await pool.close()


def file_sweep(jobs: JobContext, *, every_s: float = 15.0) -> PeriodicSweep:
    return PeriodicSweep("telegram-files", sweep_telegram_files, jobs, every_s=every_s)


async def telegram_loops(jobs: JobContext, box: SecretBox, public_url: str | None) -> list[InboundLoop]:
    async with jobs.db.session() as session:
        rows = await list_channel_accounts(session, active_only=True)
    views = [
        AccountView(row.channel, row.name, dict(row.config), box.open(row.secrets_encrypted))
        for row in rows
        if row.channel == "telegram"
    ]
    if not views:
        return []
    loops: list[InboundLoop] = [PollingLoop(v) for v in views if v.config.get("mode") == "polling"]
    hooked = [v for v in views if v.config.get("mode", "webhook") == "webhook"]
    if hooked and public_url:
        loops.append(WebhookRegistration(hooked, public_url))
    elif hooked:
        log.warning(
            "telegram webhook bots %s: no OKNO_HTTP__PUBLIC_URL, set the webhook by hand",
            [v.name for v in hooked],
        )
    loops.append(file_sweep(jobs))
    return loops
