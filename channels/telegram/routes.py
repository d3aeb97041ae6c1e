"""POST /telegram/{account}/webhook: secret token (constant time) -> size limit -> RawEvent -> 200."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from channels.base import AccountDirectory, AnomalousPayload, RawEventSink
from channels.http_body import kept_headers, problem, read_delivery, store_delivery
from channels.metrics import DELIVERIES_REFUSED, EVENTS_RECEIVED
from channels.telegram.choices import chosen
from channels.telegram.parse import load_update

log = logging.getLogger(__name__)
CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
WEBHOOK_SECRET = "webhook_secret"  # noqa: S105 (the name of a secret, not one)
PATH = "/telegram/{account}/webhook"


def webhook_path(account: str) -> str:
    return PATH.format(account=account)


class WebhookHandler:
    def __init__(self, *, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> None:
        self.sink = sink
        self.accounts = accounts
        self.max_body_bytes = max_body_bytes

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["account"]
        account = await self.accounts.by_name(CHANNEL, name)
        expected = account.secrets.get(WEBHOOK_SECRET, "") if account is not None else ""
        given = request.headers.get(SECRET_HEADER, "")
        # Compared even for an unknown account, so timing does not tell which accounts exist.
        if not hmac.compare_digest(given.encode(), expected.encode()) or not expected:
            DELIVERIES_REFUSED.labels(CHANNEL, "auth").inc()
            log.warning(
                "telegram webhook %r from %s refused: %s secret token",
                name,
                request.remote,
                "wrong" if given else "no",
            )
            return problem(403, "forbidden", f"wrong or missing {SECRET_HEADER}")
        body = await read_delivery(request, channel=CHANNEL, limit=self.max_body_bytes)
        status, reason, update = "pending", None, None
        try:
            update = load_update(body)
        except AnomalousPayload as exc:
            status, reason = "anomalous", exc.reason
        raw_id = await store_delivery(
            self.sink,
            channel=CHANNEL,
            account=name,
            headers=kept_headers(request),
            body=body,
            status=status,
            reason=reason,
        )
        if reason is not None:
            DELIVERIES_REFUSED.labels(CHANNEL, "schema").inc()
            return problem(400, "invalid", reason, raw_event_id=raw_id)
        EVENTS_RECEIVED.labels(CHANNEL).inc()
        press = update.get("callback_query") if update is not None else None
        if isinstance(press, dict) and chosen(str(press.get("data") or "")) and press.get("id"):
            # a tap on one of okno's buttons, stored above: answered in the reply itself, so the client's
            # spinner stops at once (polling has no reply: there it stops by itself)
            return web.json_response({"method": "answerCallbackQuery", "callback_query_id": str(press["id"])})
        return web.json_response({"ok": True})


def routes(*, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> list[web.RouteDef]:
    handler = WebhookHandler(sink=sink, accounts=accounts, max_body_bytes=max_body_bytes)
    return [web.post(PATH, handler.handle)]
