"""/viber/{account}/webhook: signature -> size -> RawEvent -> 200.

The signature (keyed by the bot's auth token) is checked on the raw bytes before anything is parsed; a
missing or wrong one gets 403 and a log line, and nothing is stored. Viber retries a callback that is not
answered 200, so a signed body is answered 200 once stored, even if it will not parse (the ingest job
keeps the reason).
A `conversation_started` may be answered with the account's welcome message (Viber's one message to a user
who has not subscribed yet)."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from channels.base import AccountDirectory, AccountView, RawEventSink
from channels.http_body import kept_headers, read_delivery, signature_refused, store_delivery
from channels.metrics import EVENTS_RECEIVED
from channels.viber.api import AUTH_TOKEN, ViberAccount
from channels.viber.verify import SIGNATURE_HEADER, signature_ok

log = logging.getLogger(__name__)
CHANNEL = "viber"
PATH = "/viber/{account}/webhook"
WELCOME = "welcome_text"


def webhook_path(account: str) -> str:
    return PATH.format(account=account)


class WebhookHandler:
    def __init__(self, *, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> None:
        self.sink = sink
        self.accounts = accounts
        self.max_body_bytes = max_body_bytes

    async def deliver(self, request: web.Request) -> web.Response:
        account = await self.accounts.by_name(CHANNEL, request.match_info["account"])
        body = await read_delivery(request, channel=CHANNEL, limit=self.max_body_bytes)
        token = account.secrets.get(AUTH_TOKEN, "") if account else ""
        if not signature_ok(token, body, request.headers.get(SIGNATURE_HEADER)):
            return signature_refused(
                request,
                channel=CHANNEL,
                known=account is not None,
                header=SIGNATURE_HEADER,
                detail=f"{SIGNATURE_HEADER} does not match this bot's auth token",
            )
        assert account is not None
        raw_id = await store_delivery(
            self.sink,
            channel=CHANNEL,
            account=account.name,
            headers=kept_headers(request, extra=(SIGNATURE_HEADER,)),
            body=body,
        )
        EVENTS_RECEIVED.labels(CHANNEL).inc()
        welcome = _welcome(account, body)
        return web.json_response(welcome if welcome else {"status": "stored", "raw_event_id": raw_id})


def _welcome(account: AccountView, body: bytes) -> dict[str, Any] | None:
    """The welcome message for a `conversation_started` when the account has one; the body was stored
    already, so a body that is not JSON only loses the welcome."""
    text = account.config.get(WELCOME)
    if not isinstance(text, str) or not text:
        return None
    try:
        event = json.loads(body).get("event")
    except (ValueError, AttributeError, RecursionError):
        return None
    if event != "conversation_started":
        return None
    return {"sender": ViberAccount.of(account).sender, "type": "text", "text": text}


def routes(*, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> list[web.RouteDef]:
    handler = WebhookHandler(sink=sink, accounts=accounts, max_body_bytes=max_body_bytes)
    return [web.post(PATH, handler.deliver)]
