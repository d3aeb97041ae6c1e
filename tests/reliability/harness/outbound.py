"""The platforms okno's replies go to (sandbox stand-ins on loopback, inside the harness process so they
survive every kill), counting each copy they receive, and the staff member who queues replies through the
staff API while processes die.

A reply is a person's action without an idempotency key: when its POST ends without an answer (the server
was killed mid-request), the harness looks in the database whether the reply was stored before sending it
again, as a person would look at the screen. Each reply carries a unique tag so every copy can be counted."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from sqlmodel import col, select

from channels.api.verify import DELIVERY_HEADER
from sandbox.telegram import TelegramSandbox
from sandbox.webhook_receiver import WebhookReceiver
from sandbox.whatsapp import GraphApiStandIn
from storage.db import Database
from storage.models import Message

log = logging.getLogger(__name__)
TAG = re.compile(r"\[reply-(\d+)\]")
REPLY_CHANNELS = ("api", "telegram", "whatsapp")
TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass
class StandIns:
    """API receiver, Telegram Bot API and WhatsApp Graph API stand-ins, each counting what arrives."""

    receiver: WebhookReceiver = field(
        default_factory=lambda: WebhookReceiver(secret=secrets.token_urlsafe(16))
    )
    telegram: TelegramSandbox = field(default_factory=TelegramSandbox)
    whatsapp: GraphApiStandIn = field(
        default_factory=lambda: GraphApiStandIn(
            access_token=secrets.token_urlsafe(16), app_secret=secrets.token_urlsafe(16)
        )
    )
    bot_token: str = field(
        default_factory=lambda: f"{random.randint(10**8, 10**9)}:{secrets.token_urlsafe(24)}"
    )
    api_copies: Counter[str] = field(default_factory=Counter)  # delivery id -> 2xx answers
    runners: list[web.AppRunner] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)

    async def start(self) -> None:
        self.telegram.add_bot(self.bot_token)
        receiver = self.receiver.app()
        receiver.middlewares.append(self._count_api)
        for name, app in (
            ("api", receiver),
            ("telegram", self.telegram.app()),
            ("whatsapp", self.whatsapp.app()),
        ):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.runners.append(runner)
            self.urls[name] = f"http://127.0.0.1:{port}"
        self.whatsapp.base_url = self.urls["whatsapp"]

    async def close(self) -> None:
        for runner in self.runners:
            await runner.cleanup()

    @web.middleware
    async def _count_api(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        if request.path == "/hook" and response.status < 300:
            self.api_copies[request.headers.get(DELIVERY_HEADER, "")] += 1
        return response

    def copies_by_tag(self) -> Counter[int]:
        """Every copy of every tagged reply that reached a platform, by tag."""
        copies: Counter[int] = Counter()
        texts_and_counts: list[tuple[str, int]] = []
        for received in self.receiver.received:
            count = self.api_copies.get(received.delivery_id, 1)
            texts_and_counts.append((str(received.body.get("text", "")), count))
        for call in self.telegram.calls:
            if call.method == "sendMessage" and call.ok:
                texts_and_counts.append((str(call.params.get("text", "")), 1))
        for sent in self.whatsapp.sent:
            texts_and_counts.append((str(sent.get("text", {}).get("body", "")), 1))
        for text, count in texts_and_counts:
            if match := TAG.search(text):
                copies[int(match.group(1))] += count
        return copies


@dataclass
class Staff:
    """Queues replies through `POST /api/v1/requests/{id}/reply` on any serve process."""

    db: Database
    urls: list[str]
    token: str
    queued: dict[int, int] = field(default_factory=dict)  # tag -> request id
    unsure: int = 0  # POSTs that ended without an answer (looked up before sending again)

    async def reply_loop(self, http: aiohttp.ClientSession, *, count: int, every_s: float) -> None:
        for tag in range(1, count + 1):
            await asyncio.sleep(every_s)
            request_id = await self._some_request()
            if request_id is not None:
                await self.reply(http, tag, request_id)

    async def _some_request(self) -> int | None:
        query = (
            select(Message.request_id)
            .where(col(Message.direction) == "inbound", col(Message.kind) == "text")
            .where(col(Message.channel).in_(REPLY_CHANNELS), col(Message.request_id).is_not(None))
            .order_by(col(Message.id).desc())
            .limit(50)
        )
        try:
            async with self.db.session() as session:
                found = [int(r) for r in (await session.execute(query)).scalars().all() if r is not None]
        except Exception:  # the database is restarting: this reply waits for the next turn
            return None
        return random.choice(found) if found else None

    async def reply(self, http: aiohttp.ClientSession, tag: int, request_id: int) -> None:
        text = f"Ответ менеджера [reply-{tag}]"
        while True:
            url = random.choice(self.urls)
            try:
                async with http.post(
                    f"{url}/api/v1/requests/{request_id}/reply",
                    json={"text": text},
                    headers={"Authorization": f"Bearer {self.token}"},
                    timeout=TIMEOUT,
                ) as response:
                    if response.status == 202:
                        self.queued[tag] = request_id
                        return
            except (aiohttp.ClientError, TimeoutError):
                self.unsure += 1
            if await self._stored(text):
                self.queued[tag] = request_id
                return
            await asyncio.sleep(0.5)

    async def _stored(self, text: str) -> bool:
        while True:
            try:
                async with self.db.session() as session:
                    found = await session.execute(select(Message.id).where(col(Message.text) == text))
                    return found.first() is not None
            except Exception:
                await asyncio.sleep(0.5)
