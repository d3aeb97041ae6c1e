"""The web UI over a real HTTP connection: the `live` okno seeded through its own inbound API, staff with
passwords, and a signed-in HTTP client per role."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import col, select

from intake.accept import accept
from storage.models import Alert, Attachment, ChannelIdentity, Message, Request, Staff, Task
from storage.repos.accounts import add_channel_account, add_staff
from storage.repos.clients import add_client, link_contact_to_client
from storage.types import utcnow
from tests.conftest import Live
from tests.factories import inbound as inbound_message
from tests.web.browser import Browser
from web.passwords import hash_password

PASSWORD = "correct horse battery"
SCRIPT_TEXT = 'Счёт <script>alert("x")</script> и <img src=x onerror="alert(1)"> пожалуйста'
TRACKING_HTML = (
    '<html><body><p onclick="steal()">Добрый день, счёт во вложении.</p>'
    '<img src="https://tracker.example.net/pixel.gif?u=42" width="1" height="1">'
    '<img src=x onerror="alert(3)"><script>alert(4)</script>'
    '<div style="background:url(https://tracker.example.net/bg.png)">Спасибо</div></body></html>'
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium over the DevTools protocol")


@dataclass
class Seeded:
    live: Live
    manager_id: int  # Анна, from `live`
    other_manager_id: int
    supervisor_id: int
    admin_id: int
    own_request_id: int = 0  # assigned to Анна
    unassigned_request_id: int = 0  # the <script> message; has the HTML email part
    others_request_id: int = 0  # assigned to the other manager
    client_id: int = 0
    contact_ids: list[int] = field(default_factory=list)
    alert_id: int = 0

    @property
    def url(self) -> str:
        return self.live.url


async def inbound(live: Live, event_id: str, sender: dict[str, object], text: str) -> None:
    body = {"event_id": event_id, "sender": sender, "text": text}
    headers = {**live.api_headers(), "Content-Type": "application/json"}
    async with live.http.post(f"{live.url}/api/v1/inbound", data=json.dumps(body), headers=headers) as resp:
        assert resp.status == 202, await resp.text()


async def request_of(live: Live, external_id: str) -> Request:
    async with live.services.db.session() as session:
        identity = (
            (
                await session.execute(
                    select(ChannelIdentity).where(col(ChannelIdentity.external_id) == external_id)
                )
            )
            .scalars()
            .one()
        )
        return (
            (await session.execute(select(Request).where(col(Request.contact_id) == identity.contact_id)))
            .scalars()
            .one()
        )


@pytest.fixture
async def seeded(live: Live) -> Seeded:
    async with live.services.db.session() as session:
        anna = await session.get(Staff, live.staff_id)
        assert anna is not None
        anna.password_hash, anna.email = hash_password(PASSWORD), "anna@example.ru"
        digest = hash_password(PASSWORD)
        other = await add_staff(session, name="Борис", email="boris@example.ru", password_hash=digest)
        boss = await add_staff(
            session, name="Виктор", role="supervisor", email="viktor@example.ru", password_hash=digest
        )
        admin = await add_staff(
            session, name="Галина", role="admin", email="galina@example.ru", password_hash=digest
        )
        await session.commit()
    seeded = Seeded(live, live.staff_id, other.id or 0, boss.id or 0, admin.id or 0)
    await inbound(live, "e-own", {"id": "own", "name": "Ольга Смирнова"}, "Нужна справка 2-НДФЛ к пятнице")
    await inbound(live, "e-xss", {"id": "xss", "name": "Пётр Козлов"}, SCRIPT_TEXT)
    await inbound(live, "e-other", {"id": "other", "name": "Ирина Белова"}, "Когда будет акт сверки?")
    await live.drain()
    own, xss, others = [await request_of(live, k) for k in ("own", "xss", "other")]
    blob = await live.services.jobs.blobs.put(TRACKING_HTML.encode())
    async with live.services.db.session() as session:
        for row, assignee in ((own, live.staff_id), (others, other.id)):
            loaded = await session.get(Request, row.id)
            assert loaded is not None
            loaded.assignee_id = assignee
            loaded.sla_due_at = utcnow() - timedelta(minutes=5)
        client = await add_client(session, name="ООО «Ромашка»", inn="7736207543")
        for row in (own, xss):
            await link_contact_to_client(session, contact_id=row.contact_id, client_id=client.id or 0)
            loaded = await session.get(Request, row.id)
            assert loaded is not None
            loaded.client_id = client.id
        first = (
            (await session.execute(select(Message).where(col(Message.request_id) == xss.id)))
            .scalars()
            .first()
        )
        assert first is not None
        session.add(
            Attachment(
                message_id=first.id or 0,
                kind="document",
                filename="letter.html",
                mime="text/html",
                size=len(TRACKING_HTML.encode()),
                blob_sha256=blob,
            )
        )
        of_own = select(Message).where(col(Message.request_id) == own.id)
        own_first = (await session.execute(of_own)).scalars().first()
        assert own_first is not None
        alert = Alert(
            kind="conflict",
            category="dissatisfaction",
            evidence_quote="Когда будет акт",
            client_id=None,
            request_id=own.id,
            source_message_id=own_first.id,
        )
        session.add(alert)
        session.add(
            Task(title="Сдать НДС за квартал", assignee_id=live.staff_id, due_at=utcnow() - timedelta(days=1))
        )
        await session.commit()
        seeded.alert_id = alert.id or 0
        seeded.client_id = client.id or 0
    seeded.own_request_id, seeded.unassigned_request_id, seeded.others_request_id = (
        own.id or 0,
        xss.id or 0,
        others.id or 0,
    )
    seeded.contact_ids = [own.contact_id, xss.contact_id]
    return seeded


QUOTED_EMAIL = "Спасибо, акт получили.\n\n12.11.2026 Анна написала:\n> Высылаю акт сверки\n> за октябрь"


async def whatsapp_request(
    live: Live, config: Mapping[str, object] | None = None, secrets: dict[str, str] | None = None
) -> int:
    """A WhatsApp client who last wrote 30 hours ago (the 24-hour window is closed) to a number with two
    approved templates (by default typed into its config)."""
    async with live.services.db.session() as session:
        await add_channel_account(
            session,
            box=live.services.box,
            channel="whatsapp",
            name="main",
            config=dict(
                config
                or {"phone_number_id": "1065", "template": "okno_followup", "templates": ["invoice_ready"]}
            ),
            secrets=secrets or {"token": "wa-secret-token"},
        )
        await session.commit()
    message = inbound_message(
        "wamid.1",
        channel="whatsapp",
        account="main",
        sender="79161234567",
        phone="+79161234567",
        name="Степан",
        text="Пришлите акт",
        sent_at=utcnow() - timedelta(hours=30),
    )
    await accept(live.services.db, message, policy=live.services.jobs.policy)
    return await _request_from(live, "whatsapp")


async def email_request(live: Live) -> int:
    """An email reply that quotes the earlier letter."""
    message = inbound_message(
        "<m1@romashka.example>",
        channel="email",
        account="box",
        sender="olga@romashka.example",
        email="olga@romashka.example",
        text=QUOTED_EMAIL,
    )
    await accept(live.services.db, message, policy=live.services.jobs.policy)
    return await _request_from(live, "email")


async def _request_from(live: Live, channel: str) -> int:
    async with live.services.db.session() as session:
        query = select(Request.id).where(col(Request.origin_channel) == channel)
        return int((await session.execute(query)).scalars().one())


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Browserless:
    """A signed-in HTTP client: keeps the session cookie and the page's CSRF token."""

    http: aiohttp.ClientSession
    base: str
    csrf: str = ""

    async def get(self, path: str, **kw: object) -> tuple[int, str]:
        async with self.http.get(self.base + path, allow_redirects=False, **kw) as resp:  # type: ignore[arg-type]
            body = await resp.text()
            found = CSRF.search(body)
            if found:
                self.csrf = found.group(1)
            return resp.status, body

    async def post(
        self, path: str, data: dict[str, str] | list[tuple[str, str]], *, csrf: bool = True
    ) -> aiohttp.ClientResponse:
        """`data` as a list of pairs where a field repeats (checkboxes)."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        form = pairs + ([("csrf", self.csrf)] if csrf else [])
        async with self.http.post(self.base + path, data=form, allow_redirects=False) as resp:
            await resp.read()
            return resp

    async def post_files(
        self,
        path: str,
        data: dict[str, str] | list[tuple[str, str]],
        files: list[tuple[str, bytes, str]],
        *,
        field: str = "files",
    ) -> aiohttp.ClientResponse:
        """A multipart form as a browser sends one with <input type=file name=files> (or `field`): (name,
        bytes, mime); `data` as a list of pairs where a field repeats."""
        form = aiohttp.FormData(quote_fields=False)  # names as a browser writes them: UTF-8, not %-quoted
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        for key, value in [*pairs, ("csrf", self.csrf)]:
            form.add_field(key, value)
        for name, content, mime in files:
            form.add_field(field, io.BytesIO(content), filename=name, content_type=mime)
        async with self.http.post(self.base + path, data=form, allow_redirects=False) as resp:
            await resp.read()
            return resp


SignIn = Callable[[str], Awaitable[Browserless]]


@pytest.fixture
async def browser(seeded: Seeded) -> AsyncIterator[Browser]:
    """Depends on `seeded` so the browser closes (and drops its SSE stream) before okno stops."""
    driver = Browser()
    await driver.start()
    yield driver
    await driver.close()


@pytest.fixture
async def sign_in(seeded: Seeded) -> AsyncIterator[SignIn]:
    sessions: list[aiohttp.ClientSession] = []

    async def open_as(login: str) -> Browserless:
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(http)
        client = Browserless(http, seeded.url)
        await client.get("/ui/login")
        resp = await client.post("/ui/login", {"login": login, "password": PASSWORD})
        assert resp.status == 303, resp.status
        return client

    yield open_as
    for http in sessions:
        await http.close()
