"""Every route of the app, enumerated from the router so a new one cannot be forgotten: webhooks refuse
missing and wrong credentials with nothing stored, and refuse an oversize body with 413 before it is all
sent; the staff API and the web UI refuse anyone without a token or a session. The per-channel webhook tests
(tests/channels/*/test_webhook*.py) cover each platform's signature details; this is the sweep over all."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlparse

import pytest
from aiohttp import web
from sqlalchemy import func
from sqlmodel import select

from channels.telegram.routes import SECRET_HEADER
from okno.app import build_app
from storage.blob_links import BlobLinks
from storage.models import RawEvent
from storage.repos.accounts import add_channel_account
from tests.conftest import Live
from workers.staff_delivery import CHANNEL as STAFF_CHANNEL

pytestmark = pytest.mark.storage
SECRETS = {
    "telegram": {"bot_token": "123:AAAAsecretbottoken", "webhook_secret": "tg-hook-secret-1"},
    "whatsapp": {
        "app_secret": "wa-app-secret-1",
        "verify_token": "wa-verify-1",
        "access_token": "wa-access-1",
    },
    "viber": {"auth_token": "vb-auth-token-1"},
    "generic": {"webhook_secret": "pbx-hook-secret-1"},
    "twilio": {"auth_token": "twilio-token-1"},
    "zadarma": {"api_key": "zd-key-1", "api_secret": "zd-secret-1"},
    "mango": {"api_key": "mango-key-1", "api_salt": "mango-salt-1"},
    "staff": {"bot_token": "456:BBBBstaffbottoken", "webhook_secret": "staff-hook-secret-1"},
}
PROVIDERS = ("generic", "twilio", "zadarma", "mango")
# Routes anyone may call, and why.
PUBLIC = {
    ("GET", "/healthz"): "liveness",
    ("GET", "/metrics"): "Prometheus counters, no personal data",
    ("GET", "/"): "redirect to /ui/",
    ("GET", "/ui/login"): "the login form",
    ("POST", "/ui/login"): "the login itself (rate-limited)",
    (
        "GET",
        "/ui/forgot",
    ): "the form that asks a reset link by mail (its POST needs the session's CSRF token)",
    ("GET", "/ui/welcome/{token}"): "a mailed one-time link's form: 410 without a live token (test_account)",
    ("GET", "/ui/static"): "CSS and scripts",
    ("GET", "/whatsapp/{account}/webhook"): "Meta's handshake: answers only with the right verify token",
    ("GET", "/telephony/{provider}/{account}/webhook"): "Zadarma's echo check: repeats the query value only",
    ("GET", "/files/{token}/{name}"): "one file by its signed, expiring link (Viber fetches it): 404 without"
    " a valid one (tests/storage/test_blob_links.py, tests/channels/viber/test_reply_files.py)",
}


def _is_webhook(method: str, path: str) -> bool:
    return method == "POST" and (path == "/api/v1/inbound" or re.search(r"/webhook(/|$)", path) is not None)


def _routes(app: web.Application) -> list[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        found.add((route.method, route.resource.canonical))
    return sorted(found)


async def _raw_count(live: Live) -> int:
    async with live.services.db.session() as session:
        return int((await session.execute(select(func.count()).select_from(RawEvent))).scalar_one())


@pytest.fixture
async def accounts(live: Live) -> Live:
    async with live.services.db.session() as session:
        add = add_channel_account
        box = live.services.box
        await add(session, box=box, channel="telegram", name="bot", config={}, secrets=SECRETS["telegram"])
        await add(session, box=box, channel="whatsapp", name="wa", config={}, secrets=SECRETS["whatsapp"])
        viber = {"sender_name": "Окно"}
        await add(session, box=box, channel="viber", name="vb", config=viber, secrets=SECRETS["viber"])
        for provider in PROVIDERS:
            config = {"provider": provider}
            await add(
                session, box=box, channel="telephony", name=provider, config=config, secrets=SECRETS[provider]
            )
        await add(session, box=box, channel=STAFF_CHANNEL, name="staff", config={}, secrets=SECRETS["staff"])
        await session.commit()
    return live


def _webhook_urls(path: str) -> list[tuple[str, dict[str, str]]]:
    """Concrete URLs of a webhook route, each with the headers that carry a valid credential (for the size
    test). A webhook without an entry here fails the test: add how to call it."""
    if path == "/api/v1/inbound":
        return [(path, {})]  # the bearer token comes from the live fixture
    if path == "/telegram/{account}/webhook":
        return [("/telegram/bot/webhook", {SECRET_HEADER: SECRETS["telegram"]["webhook_secret"]})]
    if path == "/telegram_staff/{account}/webhook":
        return [("/telegram_staff/staff/webhook", {SECRET_HEADER: SECRETS["staff"]["webhook_secret"]})]
    if path == "/whatsapp/{account}/webhook":
        return [("/whatsapp/wa/webhook", {})]  # the signature is over the body: checked after the size
    if path == "/viber/{account}/webhook":
        return [("/viber/vb/webhook", {})]  # signed over the body, like WhatsApp's: checked after the size
    if path.startswith("/telephony/{provider}/{account}/webhook"):
        tail = "/events/call" if path.endswith("}") and "tail" in path else ""
        return [(f"/telephony/{p}/{p}/webhook{tail}", {}) for p in PROVIDERS]
    raise AssertionError(f"webhook {path} is not covered by the security sweep: add it to _webhook_urls")


async def test_every_route_is_classified(accounts: Live) -> None:
    # with okno's public address set, as in production behind Viber: its file links' route is there too
    accounts.services.jobs.links = BlobLinks(b"k" * 32, "https://okno.example.ru")
    app = build_app(accounts.services, sweep=False)
    assert ("GET", "/files/{token}/{name}") in _routes(app)
    for method, path in _routes(app):
        known = (method, path) in PUBLIC or _is_webhook(method, path) or path.startswith(("/api/v1/", "/ui/"))
        assert known, f"{method} {path}: classify it here (public with a reason, webhook, staff API or UI)"
        if _is_webhook(method, path):
            _webhook_urls(path)


async def test_webhooks_refuse_missing_and_wrong_credentials(accounts: Live) -> None:
    live = accounts
    app = build_app(live.services, sweep=False)
    webhooks = [path for method, path in _routes(app) if _is_webhook(method, path)]
    assert len(webhooks) >= 5
    before = await _raw_count(live)
    body = b'{"update_id": 1, "event_id": "x", "sender": {"id": "u"}, "text": "hi"}'
    wrong = {
        "Authorization": "Bearer wrong-token",
        SECRET_HEADER: "wrong-secret",
        "X-Hub-Signature-256": "sha256=" + "0" * 64,
        "X-Okno-Timestamp": "1",
        "X-Okno-Signature": "sha256=00",
        "X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl",
        "Signature": "bm90",
    }
    for path in webhooks:
        for url, _good in _webhook_urls(path):
            for headers in (
                {"Content-Type": "application/json"},
                wrong | {"Content-Type": "application/json"},
            ):
                async with live.http.post(live.url + url, data=body, headers=headers) as response:
                    assert response.status in (401, 403), f"{url} with {sorted(headers)} -> {response.status}"
    assert await _raw_count(live) == before  # nothing stored from any refused delivery


async def test_staff_api_and_ui_refuse_strangers(accounts: Live) -> None:
    live = accounts
    app = build_app(live.services, sweep=False)
    for method, path in _routes(app):
        if (method, path) in PUBLIC or _is_webhook(method, path) or path.endswith("/static"):
            continue
        url = live.url + re.sub(r"\{[^}]+\}", "1", path)
        for headers in ({}, {"Authorization": "Bearer not-a-staff-token"}):
            async with live.http.request(method, url, headers=headers, allow_redirects=False) as response:
                if path.startswith("/api/v1/"):
                    assert response.status == 401, f"{method} {path} -> {response.status}"
                else:  # the UI: to the login page, or refused (a POST without a session and CSRF token)
                    where = response.headers.get("Location", "")
                    refused = response.status in (401, 403) or (
                        response.status in (302, 303) and "login" in where
                    )
                    assert refused, f"{method} {path} -> {response.status} {where}"


async def _oversize(url: str, path: str, headers: dict[str, str], *, chunked: bool, limit: int) -> int:
    """Claim (or stream) far more than the limit, send a little, and wait for the answer: a server that read
    the whole body first would never answer before the client sends the rest."""
    parsed = urlparse(url)
    reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    lines = [f"POST {path} HTTP/1.1", f"Host: {parsed.netloc}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {limit * 64}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    if chunked:  # just past the limit, in 64 KiB chunks, and then nothing more
        chunk = b"x" * 65536
        for _ in range(limit // len(chunk) + 2):
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    else:
        writer.write(b"{" + b" " * 4096)
    await writer.drain()
    try:
        status = await asyncio.wait_for(reader.readline(), timeout=15)
    finally:
        writer.close()
    return int(status.split()[1])


async def test_oversize_bodies_are_refused_before_they_are_read(accounts: Live) -> None:
    live = accounts
    limit = live.services.settings.http.max_body_bytes
    app = build_app(live.services, sweep=False)
    before = await _raw_count(live)
    for path in [p for m, p in _routes(app) if _is_webhook(m, p)]:
        for url, good in _webhook_urls(path):
            headers = good | (live.api_headers() if url == "/api/v1/inbound" else {})
            for chunked in (False, True):
                status = await _oversize(live.url, url, headers, chunked=chunked, limit=limit)
                assert status == 413, f"{url} ({'chunked' if chunked else 'Content-Length'}) -> {status}"
    assert await _raw_count(live) == before
