"""A loopback Viber REST Bot API stand-in: /pa/send_message, /pa/set_webhook, /pa/get_account_info, expiring
media links, and signed callbacks to okno. It answers as Viber does (HTTP 200, the result in `status`:
0 ok, 2 invalidAuthToken, 3 badData, 4 missingData, 6 receiverNotSubscribed, 10 webhookNotSet, 12
tooManyRequests …), keeps who is subscribed, and records what it got."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.viber_shapes import callback, envelope_problem, token, user

STATUS_MESSAGES = {
    1: "invalidUrl",
    2: "invalidAuthToken",
    3: "badData",
    5: "receiverNotRegistered",
    6: "receiverNotSubscribed",
    7: "publicAccountBlocked",
    10: "webhookNotSet",
    12: "tooManyRequests",
}


@dataclass
class Delivery:
    body: dict[str, Any]
    status: int
    answer: str


@dataclass
class Media:
    data: bytes
    mime: str


@dataclass
class ViberApiStandIn:
    auth_token: str
    bot_name: str = "Ромашка"
    base_url: str = ""  # where this stand-in listens; media links point here
    webhook_url: str | None = None  # okno's /viber/{account}/webhook, once set_webhook named it
    event_types: list[str] = field(default_factory=list)
    subscribers: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)
    fail_next: list[int] = field(default_factory=list)  # Viber statuses to answer before succeeding
    download_failures: int = 0  # answer 503 to this many downloads first
    downloads: int = 0
    # what Viber fetched from the media URLs of okno's files: url -> (HTTP status, bytes, content type)
    fetched: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/pa/send_message", self.send_message)
        app.router.add_post("/pa/set_webhook", self.set_webhook)
        app.router.add_post("/pa/get_account_info", self.get_account_info)
        app.router.add_get("/media/{media_id}", self.download)
        return app

    # --- the REST API --------------------------------------------------------------------------------

    async def send_message(self, request: web.Request) -> web.Response:
        body, refusal = await self._read(request)
        if refusal is not None:
            return refusal
        problem = envelope_problem(body)
        if problem is not None:
            return self._status(problem[0], problem[1], body)
        if self.webhook_url is None:
            return self._status(10, "webhookNotSet", body)
        if self.fail_next:
            status = self.fail_next.pop(0)
            return self._status(status, STATUS_MESSAGES.get(status, "general error"), body)
        if body["receiver"] not in self.subscribers:
            return self._status(6, "receiverNotSubscribed", body)
        if body.get("type") in ("picture", "video", "file") and isinstance(body.get("media"), str):
            await self._fetch(body["media"])  # Viber takes the file from its URL as it sends
        sent_token = token()
        self.sent.append(
            {**body, "_token": str(sent_token), "_auth": request.headers.get("X-Viber-Auth-Token")}
        )
        return web.json_response(
            {"status": 0, "status_message": "ok", "message_token": sent_token, "chat_hostname": "SN-CHAT-07_"}
        )

    async def _fetch(self, url: str) -> None:
        try:
            timeout = aiohttp.ClientTimeout(total=5)
            async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as resp:
                self.fetched[url] = (resp.status, await resp.read(), resp.content_type)
        except (aiohttp.ClientError, TimeoutError):
            self.fetched[url] = (0, b"", "")

    async def set_webhook(self, request: web.Request) -> web.Response:
        """Viber checks the URL at once with a signed `webhook` callback; anything but 200 is invalidUrl."""
        body, refusal = await self._read(request)
        if refusal is not None:
            return refusal
        url = body.get("url")
        if not isinstance(url, str):
            return self._status(4, "missingData: url", body)
        if not url:  # an empty url removes the webhook
            self.webhook_url = None
            return web.json_response({"status": 0, "status_message": "ok"})
        kinds = body.get("event_types")
        previous, self.webhook_url = self.webhook_url, url
        try:
            answered = (await self.deliver(callback("webhook"))).status
        except aiohttp.ClientError:
            answered = None
        if answered != 200:
            self.webhook_url = previous
            return self._status(1, "invalidUrl", body)
        self.event_types = list(kinds) if isinstance(kinds, list) else ["delivered", "seen", "failed"]
        return web.json_response({"status": 0, "status_message": "ok", "event_types": self.event_types})

    async def get_account_info(self, request: web.Request) -> web.Response:
        _body, refusal = await self._read(request)
        if refusal is not None:
            return refusal
        return web.json_response(
            {
                "status": 0,
                "status_message": "ok",
                "id": "pa:5634418413853312511",
                "name": self.bot_name,
                "uri": "romashka",
                "webhook": self.webhook_url or "",
                "event_types": self.event_types,
                "subscribers_count": len(self.subscribers),
            }
        )

    async def download(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        item = self.media.get(media_id)
        if item is None or media_id in self.expired:
            return web.Response(status=403, text="AccessDenied: Request has expired")
        self.downloads += 1
        if self.download_failures > 0:
            self.download_failures -= 1
            return web.Response(status=503, text="Service Unavailable")
        return web.Response(body=item.data, content_type=item.mime)

    async def _read(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        if request.headers.get("X-Viber-Auth-Token") != self.auth_token:
            return {}, self._status(2, "invalidAuthToken", {})
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return {}, self._status(3, "badData", {})
        if not isinstance(body, dict):
            return {}, self._status(3, "badData", {})
        return body, None

    def _status(self, status: int, message: str, body: dict[str, Any]) -> web.Response:
        self.refused.append({"status": status, "message": message, "body": body})
        return web.json_response({"status": status, "status_message": message})  # Viber answers HTTP 200

    # --- the Viber side: clients, their files, signed callbacks to okno --------------------------------

    def add_media(self, data: bytes, mime: str) -> str:
        media_id = secrets.token_hex(8)
        self.media[media_id] = Media(data, mime)
        return f"{self.base_url}/media/{media_id}"

    def sign(self, body: bytes) -> str:
        return hmac.new(self.auth_token.encode(), body, hashlib.sha256).hexdigest()

    async def deliver(self, body: dict[str, Any], *, signature: str | None = None) -> Delivery:
        """POST a callback to okno as Viber does: compact JSON, signed over the exact bytes."""
        if self.webhook_url is None:
            raise RuntimeError("set webhook_url to okno's /viber/{account}/webhook first")
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Viber-Content-Signature": signature or self.sign(raw),
        }
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.webhook_url, data=raw, headers=headers) as resp,
        ):
            delivery = Delivery(body, resp.status, await resp.text())
        self.deliveries.append(delivery)
        return delivery

    async def client_writes(
        self, user_id: str, name: str, message: dict[str, Any], *, at: datetime | None = None
    ) -> str:
        """A user's message (the callback's `message` object) delivered to okno; its token. Writing to a bot
        subscribes the user, as in Viber."""
        self.subscribers.add(user_id)
        body = callback("message", at, sender=user(user_id, name), message=message, silent=False)
        await self.deliver(body)
        return str(body["message_token"])

    async def subscribe(self, user_id: str, name: str) -> Delivery:
        self.subscribers.add(user_id)
        return await self.deliver(callback("subscribed", user=user(user_id, name)))

    async def unsubscribe(self, user_id: str) -> Delivery:
        self.subscribers.discard(user_id)
        return await self.deliver(callback("unsubscribed", user_id=user_id))

    async def open_chat(self, user_id: str, name: str, context: str | None = None) -> Delivery:
        subscribed = user_id in self.subscribers
        extra: dict[str, Any] = {"context": context} if context else {}
        body = callback(
            "conversation_started", type="open", user=user(user_id, name), subscribed=subscribed, **extra
        )
        return await self.deliver(body)

    async def report(self, message_token: str, event: str, *, desc: str | None = None) -> Delivery:
        """delivered / seen / failed of a message okno sent."""
        sent = next((s for s in self.sent if s["_token"] == message_token), None)
        fields: dict[str, Any] = {"user_id": sent["receiver"] if sent else "unknown="}
        if desc is not None:
            fields["desc"] = desc
        body = callback(event, **fields)
        body["message_token"] = int(message_token)
        return await self.deliver(body)
