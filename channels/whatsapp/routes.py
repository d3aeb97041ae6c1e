"""/whatsapp/{account}/webhook: GET is Meta's subscribe handshake; POST: signature -> size -> RawEvent -> 200.

The signature is checked on the raw bytes before anything is parsed; a missing or wrong one gets 403 and a
log line, and nothing is stored. Meta retries on errors, so a stored body is answered 200 even if it will not
parse (the ingest job keeps the reason)."""

from __future__ import annotations

import logging

from aiohttp import web

from channels.base import AccountDirectory, AccountView, RawEventSink
from channels.http_body import kept_headers, read_delivery, signature_refused, store_delivery
from channels.metrics import DELIVERIES_REFUSED, EVENTS_RECEIVED
from channels.whatsapp.verify import SIGNATURE_HEADER, challenge_answer, signature_ok

log = logging.getLogger(__name__)
CHANNEL = "whatsapp"
PATH = "/whatsapp/{account}/webhook"
APP_SECRET = "app_secret"  # noqa: S105 (the name of a secret, not one)
VERIFY_TOKEN = "verify_token"  # noqa: S105


class WebhookHandler:
    def __init__(self, *, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> None:
        self.sink = sink
        self.accounts = accounts
        self.max_body_bytes = max_body_bytes

    async def _account(self, request: web.Request) -> AccountView | None:
        return await self.accounts.by_name(CHANNEL, request.match_info["account"])

    async def handshake(self, request: web.Request) -> web.Response:
        account = await self._account(request)
        token = account.secrets.get(VERIFY_TOKEN, "") if account else ""
        challenge = challenge_answer(token, request.query)
        if challenge is None:
            DELIVERIES_REFUSED.labels(CHANNEL, "handshake").inc()
            log.warning(
                "whatsapp handshake for %r from %s refused", request.match_info["account"], request.remote
            )
            return web.Response(status=403, text="Forbidden")
        log.info("whatsapp webhook for %r verified by Meta", request.match_info["account"])
        return web.Response(text=challenge)

    async def deliver(self, request: web.Request) -> web.Response:
        account = await self._account(request)
        body = await read_delivery(request, channel=CHANNEL, limit=self.max_body_bytes)
        secret = account.secrets.get(APP_SECRET, "") if account else ""
        if not signature_ok(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return signature_refused(
                request,
                channel=CHANNEL,
                known=account is not None,
                header=SIGNATURE_HEADER,
                detail="X-Hub-Signature-256 does not match this account's app secret",
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
        return web.json_response({"status": "stored", "raw_event_id": raw_id})


def routes(*, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> list[web.RouteDef]:
    handler = WebhookHandler(sink=sink, accounts=accounts, max_body_bytes=max_body_bytes)
    return [web.get(PATH, handler.handshake, allow_head=False), web.post(PATH, handler.deliver)]
