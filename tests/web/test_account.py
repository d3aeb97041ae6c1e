"""A member's own account over a real HTTP connection and a real SMTP server (aiosmtpd, STARTTLS and AUTH on
loopback): an admin invites by email and the member sets their password from the link; «Забыли пароль?»
mails a reset that ends the sessions signed in before it; with no mailbox the admin is shown the link; the
profile changes the password (this session stays, the others end) and connects the staff bot."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from storage.models import AuditLog, Staff
from storage.repos.accounts import add_channel_account
from storage.repos.login_links import issue_link, open_link
from storage.types import utcnow
from tests.channels.email.dovecot import certificate
from tests.channels.email.smtp_server import RecordingHandler, start_smtp
from tests.web.conftest import PASSWORD, Browserless, Seeded, SignIn

pytestmark = pytest.mark.storage
OFFICE, SMTP_PASSWORD = "office@balans.test", "smtp-secret-1"
LINK = re.compile(r"https?://\S+/ui/welcome/[\w-]+")
NEW_PASSWORD = "новый пароль для okno"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[RecordingHandler]:
    certificate(tmp_path)
    controller, handler = start_smtp(tmp_path, OFFICE, SMTP_PASSWORD)
    handler.port = controller.port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@pytest.fixture
async def mailbox(seeded: Seeded, smtp: RecordingHandler) -> RecordingHandler:
    """The company's mailbox (an email channel account) on the loopback SMTP server."""
    services = seeded.live.services
    config = {
        "address": OFFICE, "smtp_host": "127.0.0.1", "smtp_port": smtp.port,  # type: ignore[attr-defined]
        "smtp_security": "starttls", "verify_tls": False, "from_name": "ООО «Баланс Актив»",
    }  # fmt: skip
    async with services.db.session() as session:
        await add_channel_account(
            session, box=services.box, channel="email", name="office", config=config,
            secrets={"password": SMTP_PASSWORD},
        )  # fmt: skip
        await session.commit()
    return smtp


@pytest.fixture
def web_address(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> str:
    """The address staff open okno at (OKNO_HTTP__PUBLIC_URL): a reset link points nowhere else."""
    monkeypatch.setattr(seeded.live.services.settings.http, "public_url", seeded.url)
    return seeded.url


@pytest.fixture
async def anonymous(seeded: Seeded) -> AsyncIterator[Browserless]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Browserless(http, seeded.url)


async def mail_to(handler: RecordingHandler, address: str, count: int = 1) -> EmailMessage:
    """The count-th mail to the address, waited for (a reset mail leaves after the page has answered)."""
    for _ in range(100):
        mails = [m for m in handler.received if address in m.recipients]
        if len(mails) >= count:
            parsed = email.message_from_bytes(mails[count - 1].data, policy=default)
            assert isinstance(parsed, EmailMessage)
            return parsed
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail #{count} to {address}")


def link_in(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None
    return found.group(0)


async def test_an_admin_invites_by_mail_and_the_member_sets_their_password(
    seeded: Seeded, sign_in: SignIn, mailbox: RecordingHandler, anonymous: Browserless
) -> None:
    admin = await sign_in("galina@example.ru")
    await admin.get("/ui/admin/staff")
    form = {"name": "Мария Котова", "email": "Maria@Balans.test", "role": "manager", "password": ""}
    assert (await admin.post("/ui/admin/staff", form)).status == 303
    _, page = await admin.get("/ui/admin/staff")
    assert "Письмо со ссылкой отправлено" in page
    mail = await mail_to(mailbox, "maria@balans.test")
    assert mail["Subject"] == "okno: приглашение в okno" and mail["Auto-Submitted"] == "auto-generated"
    assert (
        mail["From"] == f"ООО «Баланс Актив» <{OFFICE}>" and mail["To"] == "Мария Котова <maria@balans.test>"
    )
    url = link_in(mail)
    assert url.startswith(seeded.url) and "действует 72 ч" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    path = url.removeprefix(seeded.url)
    for _ in range(2):  # a mail scanner opening the link uses nothing up
        status, page = await anonymous.get(path)
        assert status == 200 and "Вас пригласили в okno" in page and "Мария Котова" in page
    assert (await anonymous.post(path, {"password": "короткий", "repeat": "короткий"})).status == 422
    assert (
        await anonymous.post(path, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD + "!"})
    ).status == 422
    resp = await anonymous.post(path, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert resp.status == 303 and resp.headers["Location"] == "/ui/"
    status, inbox = await anonymous.get("/ui/")
    assert status == 200 and "Мария Котова · менеджер" in inbox and "Пароль задан, вы вошли" in inbox
    status, gone = await anonymous.get(path)
    assert status == 410 and "уже использована или устарела" in gone
    for made_up in (path, "/ui/welcome/made-up-token"):  # used, or never issued: no password is set
        refused = await anonymous.post(
            made_up, {"password": "чужой пароль 123", "repeat": "чужой пароль 123"}
        )
        assert refused.status == 410
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        maria = Browserless(http, seeded.url)
        await maria.get("/ui/login")
        signed = await maria.post("/ui/login", {"login": "MARIA@balans.test", "password": NEW_PASSWORD})
        assert signed.status == 303  # the address was stored as one signs in with it
    async with seeded.live.services.db.session() as session:
        actions = (await session.execute(select(AuditLog.action))).scalars().all()
    assert {"staff.link_invite", "staff.password_by_link"} <= set(actions)
    assert not any(NEW_PASSWORD in str(a) for a in actions)


async def test_a_forgotten_password_by_mail_ends_the_sessions_signed_in_before(
    seeded: Seeded, sign_in: SignIn, mailbox: RecordingHandler, anonymous: Browserless, web_address: str
) -> None:
    anna_at_work = await sign_in("anna@example.ru")
    _, login = await anonymous.get("/ui/login")
    assert 'href="/ui/forgot"' in login
    await anonymous.get("/ui/forgot")
    answers = []
    for address in ("nobody@example.ru", "anna@example.ru"):
        async with anonymous.http.post(
            seeded.url + "/ui/forgot", data={"email": address, "csrf": anonymous.csrf}
        ) as resp:
            answers.append((resp.status, await resp.text()))
    assert answers[0] == answers[1]  # the same answer for both: nothing to learn from it
    assert answers[0][0] == 200 and "Если этот адрес есть у сотрудника" in answers[0][1]
    mail = await mail_to(mailbox, "anna@example.ru")
    assert mail["Subject"] == "okno: новый пароль к okno"
    assert not [m for m in mailbox.received if "nobody@example.ru" in m.recipients]
    path = link_in(mail).removeprefix(seeded.url)
    _, page = await anonymous.get(path)
    assert "Задайте новый пароль для входа" in page and "Анна" in page
    assert (await anonymous.post(path, {"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})).status == 303
    status, _ = await anna_at_work.get("/ui/")
    assert status == 303  # the session opened before the reset is over
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        again = Browserless(http, seeded.url)
        await again.get("/ui/login")
        assert (
            await again.post("/ui/login", {"login": "anna@example.ru", "password": PASSWORD})
        ).status == 401
        assert (
            await again.post("/ui/login", {"login": "anna@example.ru", "password": NEW_PASSWORD})
        ).status == 303


async def test_asking_again_and_again_is_refused(
    seeded: Seeded, mailbox: RecordingHandler, anonymous: Browserless, web_address: str
) -> None:
    await anonymous.get("/ui/forgot")
    statuses = []
    for _ in range(6):
        async with anonymous.http.post(
            seeded.url + "/ui/forgot", data={"email": "anna@example.ru", "csrf": anonymous.csrf}
        ) as resp:
            statuses.append(resp.status)
            await resp.read()
    assert statuses == [200] * 5 + [429]
    await anonymous.get("/ui/login")  # asking counts apart from signing in: the office can still sign in
    assert (
        await anonymous.post("/ui/login", {"login": "anna@example.ru", "password": PASSWORD})
    ).status == 303
    await mail_to(mailbox, "anna@example.ru", 5)
    await asyncio.sleep(0.3)
    assert len([m for m in mailbox.received if "anna@example.ru" in m.recipients]) == 5


async def test_with_no_mailbox_the_admin_is_shown_the_link(
    seeded: Seeded, sign_in: SignIn, anonymous: Browserless
) -> None:
    admin = await sign_in("galina@example.ru")
    await admin.get("/ui/admin/staff")
    resp = await admin.post(
        "/ui/admin/staff", {"name": "Пётр Левин", "email": "levin@balans.test", "role": "manager"}
    )
    assert resp.status == 200
    async with admin.http.get(admin.base + "/ui/admin/staff") as page_resp:
        page = await page_resp.text()
    assert 'id="login-link"' not in page  # shown once
    async with seeded.live.services.db.session() as session:
        levin = (
            (await session.execute(select(Staff).where(Staff.email == "levin@balans.test"))).scalars().one()
        )
    assert levin.password_hash is None
    async with admin.http.post(
        f"{admin.base}/ui/admin/staff/{levin.id}/mail-link", data={"csrf": admin.csrf}, allow_redirects=False
    ) as again:
        shown = await again.text()
    assert again.status == 200 and "не ушло" in shown and "нет почтового ящика с SMTP" in shown
    url = LINK.search(shown)
    assert url is not None
    status, welcome = await anonymous.get(url.group(0).removeprefix(seeded.url))
    assert status == 200 and "Пётр Левин" in welcome


async def test_the_profile_changes_the_password_and_connects_the_bot(seeded: Seeded, sign_in: SignIn) -> None:
    here, elsewhere = await sign_in("anna@example.ru"), await sign_in("anna@example.ru")
    _, page = await here.get("/ui/profile")
    assert "anna@example.ru" in page and 'href="/ui/profile"' in page
    wrong = {"current": "не тот пароль", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    await here.post("/ui/profile/password", wrong)
    _, page = await here.get("/ui/profile")
    assert "Текущий пароль неверен" in page
    await here.post("/ui/profile/password", {**wrong, "current": PASSWORD})
    status, page = await here.get("/ui/profile")
    assert status == 200 and "Пароль изменён" in page  # this session goes on
    assert (await elsewhere.get("/ui/"))[0] == 303  # the other device signs in again
    async with here.http.post(
        here.base + "/ui/profile/bot", data={"csrf": here.csrf}, allow_redirects=False
    ) as resp:
        code_page = await resp.text()
    assert 'id="bot-code"' in code_page and "/start " in code_page


async def test_a_link_is_used_once_within_its_time_and_a_newer_one_voids_it(seeded: Seeded) -> None:
    now = utcnow()
    async with seeded.live.services.db.session() as session:
        anna = (await session.execute(select(Staff).where(Staff.email == "anna@example.ru"))).scalars().one()
        first = await issue_link(session, staff=anna, purpose="reset", at=now, created_by_id=None)
        assert await open_link(session, token=first, at=now + timedelta(minutes=59)) is not None
        assert await open_link(session, token=first, at=now + timedelta(minutes=61)) is None  # an hour
        second = await issue_link(session, staff=anna, purpose="invite", at=now, created_by_id=None)
        assert await open_link(session, token=first, at=now) is None  # the newer one voids it
        assert await open_link(session, token=second, at=now + timedelta(days=2, hours=23)) is not None
        assert await open_link(session, token="made-up", at=now) is None
        anna.active = False
        assert await open_link(session, token=second, at=now) is None  # a member who left


async def test_a_password_the_admin_gives_ends_the_members_sessions_not_the_admins(
    seeded: Seeded, sign_in: SignIn
) -> None:
    anna, admin = await sign_in("anna@example.ru"), await sign_in("galina@example.ru")
    await admin.get("/ui/admin/staff")
    for member in (seeded.manager_id, seeded.admin_id):
        await admin.post("/ui/admin/staff/password", {"staff_id": str(member), "password": NEW_PASSWORD})
    assert (await anna.get("/ui/"))[0] == 303  # Анна signs in again, with the password the admin gives her
    status, page = await admin.get("/ui/admin/staff")
    assert status == 200 and "Пароль задан" in page  # the admin who set their own goes on


async def test_a_reset_link_points_only_at_okno_s_own_address(
    seeded: Seeded, mailbox: RecordingHandler, anonymous: Browserless, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built from the request's Host, a reset link could be made to point at anyone's site and carry a
    member's token there: without okno's configured address there is no reset by mail at all."""
    status, page = await anonymous.get("/ui/forgot")
    assert status == 200 and "Сброс пароля по почте не настроен" in page and 'id="forgot-form"' not in page
    await anonymous.get("/ui/login")  # the session's CSRF token (the page above has no form)
    async with anonymous.http.post(
        seeded.url + "/ui/forgot", data={"email": "anna@example.ru", "csrf": anonymous.csrf}
    ) as resp:
        assert resp.status == 503
    monkeypatch.setattr(seeded.live.services.settings.staffbot, "web_url", "https://okno.balans.test")
    async with anonymous.http.post(
        seeded.url + "/ui/forgot",
        data={"email": "anna@example.ru", "csrf": anonymous.csrf},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    ) as resp:
        assert resp.status == 200
    mail = await mail_to(mailbox, "anna@example.ru")
    assert link_in(mail).startswith("https://okno.balans.test/ui/welcome/")
    assert len(mailbox.received) == 1  # the refused ask sent nothing
