"""getUpdates long polling for installs without a public URL: each update's JSON is stored through the sink
(RawEvent first) and only then confirmed by advancing the offset, so a crash loses nothing."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

from channels.base import AccountView, RawEventSink
from channels.metrics import EVENTS_RECEIVED
from channels.telegram.bots import api_server, bot_token
from channels.telegram.parse import ALLOWED_UPDATES

log = logging.getLogger(__name__)
CHANNEL = "telegram"
SOURCE_HEADER = "X-Okno-Source"


class BotApiRefused(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code


class PollingLoop:
    """One bot's long polling. Reconnects with backoff; never confirms an update it has not stored."""

    def __init__(
        self, account: AccountView, *, timeout_s: int = 25, limit: int = 100, max_backoff_s: float = 60.0
    ) -> None:
        self.account = account
        self.name = f"telegram-polling:{account.name}"
        self.timeout_s = timeout_s
        self.limit = limit
        self.max_backoff_s = max_backoff_s
        self.offset: int | None = None
        self.stored = 0

    def _url(self, method: str) -> str:
        return api_server(self.account).api_url(bot_token(self.account), method)

    async def _call(self, http: aiohttp.ClientSession, method: str, params: dict[str, Any]) -> Any:
        timeout = aiohttp.ClientTimeout(total=self.timeout_s + 15)
        async with http.post(self._url(method), json=params, timeout=timeout) as response:
            answer = await response.json(content_type=None)
        if not isinstance(answer, dict) or not answer.get("ok"):
            got = answer if isinstance(answer, dict) else {}
            raise BotApiRefused(int(got.get("error_code", response.status)), str(got.get("description", "")))
        return answer["result"]

    async def run(self, sink: RawEventSink) -> None:
        backoff = 1.0
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    await self.poll_once(http, sink)
                    backoff = 1.0
                except asyncio.CancelledError:
                    raise
                except BotApiRefused as exc:
                    if exc.code == 409:  # a webhook is set: polling and a webhook exclude each other
                        log.warning("%s: %s; deleting the webhook", self.name, exc)
                        await self._call(http, "deleteWebhook", {})
                        continue
                    backoff = await self._pause(backoff, exc)
                except Exception as exc:  # network, storage: wait, then ask again from the same offset
                    backoff = await self._pause(backoff, exc)

    async def _pause(self, backoff: float, exc: Exception) -> float:
        log.warning("%s: %r; retrying in %.0fs", self.name, exc, backoff)
        await asyncio.sleep(backoff)
        return min(self.max_backoff_s, backoff * 2)

    async def poll_once(self, http: aiohttp.ClientSession, sink: RawEventSink) -> int:
        params: dict[str, Any] = {
            "timeout": self.timeout_s,
            "limit": self.limit,
            "allowed_updates": ALLOWED_UPDATES,
        }
        if self.offset is not None:
            params["offset"] = self.offset
        updates = await self._call(http, "getUpdates", params)
        for update in updates if isinstance(updates, list) else []:
            await self._store(sink, update)
        return len(updates) if isinstance(updates, list) else 0

    async def _store(self, sink: RawEventSink, update: Any) -> None:
        body = json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()
        update_id = update.get("update_id") if isinstance(update, dict) else None
        bad = None if isinstance(update_id, int) else "an Update needs an integer update_id"
        await sink.store(
            channel=CHANNEL,
            account=self.account.name,
            headers={SOURCE_HEADER: "getUpdates"},
            body=body,
            status="anomalous" if bad else "pending",
            reason=bad,
        )
        EVENTS_RECEIVED.labels(CHANNEL).inc()
        self.stored += 1
        if isinstance(update_id, int):
            self.offset = update_id + 1  # only now: the next getUpdates confirms it to Telegram
