"""An integrator's endpoint for okno's outgoing API-channel webhooks: verifies the signature like a real
receiver should (HMAC over timestamp + body, fresh timestamp, each delivery once) and records what it got."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from channels.api.verify import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_ok

MAX_SKEW_S = 300


@dataclass
class Received:
    delivery_id: str
    body: dict[str, Any]
    at: float


@dataclass
class WebhookReceiver:
    secret: str
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    repeats: int = 0
    # Answers to give before succeeding, for retry tests: e.g. [503, 429].
    fail_with: list[int] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self.hook)
        app.router.add_get("/received", self.list_received)
        return app

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW_S:
            return self._reject("stale or missing timestamp")
        if not signature_ok(self.secret, timestamp, body, signature):
            return self._reject("bad signature")
        if self.fail_with:
            status = self.fail_with.pop(0)
            return web.json_response({"error": "try later"}, status=status, headers={"Retry-After": "0"})
        delivery = request.headers.get(DELIVERY_HEADER, "")
        if any(r.delivery_id == delivery for r in self.received):
            self.repeats += 1  # at-least-once: a repeat is acknowledged, not recorded twice
            return web.json_response({"ok": True, "repeat": True})
        self.received.append(Received(delivery, json.loads(body), time.time()))
        return web.json_response({"ok": True})

    def _reject(self, reason: str) -> web.Response:
        self.rejected.append(reason)
        return web.json_response({"error": reason}, status=401)

    async def list_received(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"received": [r.body for r in self.received], "rejected": self.rejected, "repeats": self.repeats}
        )
