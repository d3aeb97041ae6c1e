"""POST /api/v1/inbound: bearer token -> size limit -> schema check (422, reason) -> RawEvent -> 202."""

from __future__ import annotations

import logging

from aiohttp import web

from channels.api.parse import validate
from channels.api.verify import bearer_token
from channels.base import AccountDirectory, AnomalousPayload, RawEventSink
from channels.http_body import kept_headers, problem, read_delivery, store_delivery
from channels.metrics import DELIVERIES_REFUSED, EVENTS_RECEIVED

log = logging.getLogger(__name__)
CHANNEL = "api"


class InboundHandler:
    def __init__(self, *, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> None:
        self.sink = sink
        self.accounts = accounts
        self.max_body_bytes = max_body_bytes

    async def handle(self, request: web.Request) -> web.Response:
        token = bearer_token(request)
        account = await self.accounts.by_token(CHANNEL, token) if token else None
        if account is None:
            DELIVERIES_REFUSED.labels(CHANNEL, "auth").inc()
            log.warning("api inbound from %s refused: %s token", request.remote, "wrong" if token else "no")
            response = problem(
                401, "unauthorized", "send the account's token as 'Authorization: Bearer <token>'"
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="okno"'
            return response
        body = await read_delivery(request, channel=CHANNEL, limit=self.max_body_bytes)
        status, reason = "pending", None
        try:
            validate(body)
        except AnomalousPayload as exc:
            status, reason = "anomalous", exc.reason
        raw_id = await store_delivery(
            self.sink,
            channel=CHANNEL,
            account=account.name,
            headers=kept_headers(request),
            body=body,
            status=status,
            reason=reason,
        )
        if reason is not None:
            DELIVERIES_REFUSED.labels(CHANNEL, "schema").inc()
            return problem(422, "invalid", reason, raw_event_id=raw_id)
        EVENTS_RECEIVED.labels(CHANNEL).inc()
        return web.json_response({"status": "accepted", "raw_event_id": raw_id}, status=202)


def routes(*, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> list[web.RouteDef]:
    handler = InboundHandler(sink=sink, accounts=accounts, max_body_bytes=max_body_bytes)
    return [web.post("/api/v1/inbound", handler.handle)]
