"""How updates reach the staff bot, never through intake: POST /telegram_staff/{account}/webhook with
Telegram's secret-token header (constant-time compare), or long polling inside `okno listen`."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bots.staff.bot import staff_bot_of
from channels.base import RawEventSink
from channels.telegram.routes import SECRET_HEADER, WEBHOOK_SECRET
from workers.context import JobContext
from workers.staff_delivery import CHANNEL, staff_account, staff_bot

log = logging.getLogger(__name__)
PATH = "/telegram_staff/{account}/webhook"
MAX_BODY = 1_048_576
ALLOWED_UPDATES = ["message", "callback_query"]


class StaffWebhook:
    def __init__(self, app: JobContext) -> None:
        self.app = app

    async def handle(self, request: web.Request) -> web.Response:
        account = await self.app.accounts.by_name(CHANNEL, request.match_info["account"])
        expected = account.secrets.get(WEBHOOK_SECRET, "") if account is not None else ""
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning(
                "staff bot webhook from %s refused: %s secret token",
                request.remote,
                "wrong" if given else "no",
            )
            return web.json_response({"error": "forbidden"}, status=403)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        try:
            update = Update.model_validate(json.loads(await request.read()), context={})
        except (ValueError, ValidationError) as exc:
            log.info("staff bot webhook: not an Update (%s)", str(exc)[:200])
            return web.json_response({"error": "not an Update"}, status=400)
        staff_bot_of(self.app).feed_in_background(update)
        return web.json_response({"ok": True})


def routes(app: JobContext) -> list[web.RouteDef]:
    return [web.post(PATH, StaffWebhook(app).handle)]


class StaffPolling:
    """getUpdates for installs without a public URL (config mode=polling); one per install (leader lock)."""

    name = "telegram-staff-polling"

    def __init__(self, app: JobContext, *, timeout_s: int = 25) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.offset: int | None = None

    async def run(self, sink: RawEventSink) -> None:
        backoff = 1.0
        while True:
            try:
                await self.poll_once()
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except (TelegramAPIError, OSError) as exc:
                log.warning("%s: %r; retrying in %.0fs", self.name, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(60.0, backoff * 2)

    async def poll_once(self) -> int:
        bot = await staff_bot(self.app)
        if bot is None:
            await asyncio.sleep(self.timeout_s)
            return 0
        updates = await bot.get_updates(
            offset=self.offset, timeout=self.timeout_s, allowed_updates=ALLOWED_UPDATES
        )
        handler = staff_bot_of(self.app)
        for update in updates:
            self.offset = update.update_id + 1
            try:
                await handler.feed(bot, update)
            except Exception:  # one bad update must not stop the bot
                log.exception("staff bot update %s failed", update.update_id)
        return len(updates)


class StaffWebhookRegistration:
    """setWebhook (URL + secret token) for the staff bot at start, then again every few hours."""

    name = "telegram-staff-webhook"

    def __init__(self, app: JobContext, public_url: str, *, every_s: float = 6 * 3600) -> None:
        self.app = app
        self.public_url = public_url.rstrip("/")
        self.every_s = every_s

    async def register(self) -> bool:
        account, bot = await staff_account(self.app), await staff_bot(self.app)
        if account is None or bot is None:
            return False
        url = self.public_url + PATH.format(account=account.name)
        try:
            await bot.set_webhook(
                url, secret_token=account.secrets.get(WEBHOOK_SECRET), allowed_updates=ALLOWED_UPDATES
            )
        except TelegramAPIError as exc:
            log.warning("staff bot: setWebhook refused: %s", exc.message)
            return False
        log.info("staff bot: webhook set to %s", url)
        return True

    async def run(self, sink: RawEventSink) -> None:
        while True:
            await self.register()
            await asyncio.sleep(self.every_s)


async def staff_loops(
    app: JobContext, public_url: str | None = None
) -> list[StaffPolling | StaffWebhookRegistration]:
    """Polling for mode=polling; otherwise the webhook is registered when okno knows its public URL."""
    account = await staff_account(app)
    if account is None:
        return []
    if account.config.get("mode") == "polling":
        return [StaffPolling(app)]
    if public_url:
        return [StaffWebhookRegistration(app, public_url)]
    log.warning("staff bot in webhook mode without OKNO_HTTP__PUBLIC_URL: set its webhook by hand")
    return []
