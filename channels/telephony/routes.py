"""POST /telephony/{provider}/{account}/webhook[/…]: provider signature -> size limit -> RawEvent -> 200.

A bad signature is answered 403 with a log line and nothing stored; a good one is stored even when it will not
parse (PBXs retry on errors), with the provider named in X-Okno-Provider for the parser."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiohttp import web

from channels.base import AccountDirectory, AccountView, RawEventSink
from channels.http_body import kept_headers, problem, read_delivery, store_delivery
from channels.metrics import DELIVERIES_REFUSED, EVENTS_RECEIVED
from channels.telephony.calls import CHANNEL, PROVIDER_HEADER
from channels.telephony.parse import TIMEZONE_HEADER
from channels.telephony.verify import form_fields, generic_ok, mango_ok, twilio_ok, zadarma_ok

log = logging.getLogger(__name__)
PATH_HEADER = "X-Okno-Path"
MAX_SKEW_S = 300
Verifier = Callable[[AccountView, web.Request, bytes], bool]


def _secret(account: AccountView, name: str) -> str:
    return account.secrets.get(name, "")


def _generic(account: AccountView, request: web.Request, body: bytes) -> bool:
    stamp = request.headers.get("X-Okno-Timestamp", "")
    fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= MAX_SKEW_S
    signature = request.headers.get("X-Okno-Signature", "")
    return generic_ok(_secret(account, "webhook_secret"), stamp, body, signature) and fresh


def _twilio(account: AccountView, request: web.Request, body: bytes) -> bool:
    # Behind a proxy Twilio signed the public URL, not the one this process sees.
    public = str(account.config.get("public_url") or "").rstrip("/")
    url = public + request.path_qs if public else str(request.url)
    signature = request.headers.get("X-Twilio-Signature", "")
    return twilio_ok(_secret(account, "auth_token"), url, body, request.content_type, signature)


def _zadarma(account: AccountView, request: web.Request, body: bytes) -> bool:
    signature = request.headers.get("Signature", "")
    return zadarma_ok(_secret(account, "api_secret"), form_fields(body), signature)


def _mango(account: AccountView, request: web.Request, body: bytes) -> bool:
    return mango_ok(_secret(account, "api_key"), _secret(account, "api_salt"), form_fields(body))


VERIFIERS: dict[str, Verifier] = {
    "generic": _generic,
    "twilio": _twilio,
    "zadarma": _zadarma,
    "mango": _mango,
}


class WebhookHandler:
    def __init__(self, *, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> None:
        self.sink = sink
        self.accounts = accounts
        self.max_body_bytes = max_body_bytes

    async def _account(self, request: web.Request) -> tuple[str, AccountView | None]:
        provider = request.match_info["provider"]
        account = await self.accounts.by_name(CHANNEL, request.match_info["account"])
        if account is not None and account.config.get("provider", provider) != provider:
            account = None
        return provider, account

    async def handle(self, request: web.Request) -> web.Response:
        provider, account = await self._account(request)
        verifier = VERIFIERS.get(provider)
        if verifier is None or account is None:
            DELIVERIES_REFUSED.labels(CHANNEL, "account").inc()
            log.warning(
                "telephony webhook for unknown %s account %r", provider, request.match_info["account"]
            )
            return problem(404, "not_found", "no such telephony account for this provider")
        body = await read_delivery(request, channel=CHANNEL, limit=self.max_body_bytes)
        if not verifier(account, request, body):
            DELIVERIES_REFUSED.labels(CHANNEL, "signature").inc()
            log.warning(
                "telephony %s/%s from %s refused: bad signature", provider, account.name, request.remote
            )
            return problem(403, "forbidden", "signature does not match")
        return await self._store(request, provider, account, body)

    async def _store(
        self, request: web.Request, provider: str, account: AccountView, body: bytes
    ) -> web.Response:
        headers = {**kept_headers(request), PROVIDER_HEADER: provider}
        if request.match_info.get("tail"):
            headers[PATH_HEADER] = request.match_info["tail"]  # Mango names the event kind in the path
        if timezone := account.config.get("timezone"):
            headers[TIMEZONE_HEADER] = str(timezone)
        raw_id = await store_delivery(
            self.sink, channel=CHANNEL, account=account.name, headers=headers, body=body
        )
        EVENTS_RECEIVED.labels(CHANNEL).inc()
        return web.json_response({"status": "accepted", "raw_event_id": raw_id})

    async def echo(self, request: web.Request) -> web.Response:
        """Zadarma checks a webhook URL with GET ?zd_echo=X and expects X back."""
        return web.Response(text=request.query.get("zd_echo", ""))


def webhook_path(provider: str, account: str) -> str:
    return f"/telephony/{provider}/{account}/webhook"


def routes(*, sink: RawEventSink, accounts: AccountDirectory, max_body_bytes: int) -> list[web.RouteDef]:
    handler = WebhookHandler(sink=sink, accounts=accounts, max_body_bytes=max_body_bytes)
    base = "/telephony/{provider}/{account}/webhook"
    return [
        web.post(base, handler.handle),
        web.post(base + "/{tail:.+}", handler.handle),
        web.get(base, handler.echo),
    ]
