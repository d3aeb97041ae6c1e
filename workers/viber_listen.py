"""What `okno listen` runs for Viber: set_webhook for every bot when a public URL is configured (Viber then
checks the URL with a signed `webhook` callback), and the sweep that fetches files before their links
expire."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aiohttp

from channels.base import AccountView, RawEventSink, SendFailed
from channels.viber.api import EVENT_TYPES, TIMEOUT, ViberAccount, ViberError
from channels.viber.routes import webhook_path
from storage.crypto import SecretBox
from storage.repos.accounts import list_channel_accounts
from workers.context import JobContext
from workers.listeners import InboundLoop, PeriodicSweep
from workers.viber import sweep_viber_media

log = logging.getLogger(__name__)


class WebhookRegistration:
    """set_webhook (URL + the events okno keeps) for each bot at start, then once a day: a webhook someone
    set elsewhere (another install, a test) comes back to okno."""

    name = "viber-webhooks"

    def __init__(
        self, accounts: Sequence[AccountView], public_url: str, *, every_s: float = 24 * 3600
    ) -> None:
        self.accounts = accounts
        self.public_url = public_url.rstrip("/")
        self.every_s = every_s

    async def register(self) -> int:
        done = 0
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            for account in self.accounts:
                url = self.public_url + webhook_path(account.name)
                body = {"url": url, "event_types": list(EVENT_TYPES), "send_name": True, "send_photo": False}
                try:
                    await ViberAccount.of(account).call(http, "set_webhook", body)
                except (ViberError, SendFailed, aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("viber %s: set_webhook to %s refused: %s", account.name, url, exc)
                    continue
                done += 1
                log.info("viber %s: webhook set to %s", account.name, url)
        return done

    async def run(self, sink: RawEventSink) -> None:
        while True:
            await self.register()
            await asyncio.sleep(self.every_s)


async def viber_loops(jobs: JobContext, box: SecretBox, public_url: str | None) -> list[InboundLoop]:
    async with jobs.db.session() as session:
        rows = await list_channel_accounts(session, active_only=True)
    views = [
        AccountView(row.channel, row.name, dict(row.config), box.open(row.secrets_encrypted))
        for row in rows
        if row.channel == "viber"
    ]
    if not views:
        return []
    loops: list[InboundLoop] = [PeriodicSweep("viber-media", sweep_viber_media, jobs, every_s=300.0)]
    if public_url:
        loops.append(WebhookRegistration(views, public_url))
    else:
        log.warning(
            "viber bots %s: no OKNO_HTTP__PUBLIC_URL, set the webhook by hand", [v.name for v in views]
        )
    return loops
