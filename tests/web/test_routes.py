"""The staff UI over a real HTTP connection: sign-in, roles, CSRF, headers, inert client content, forms."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from intake.accept import accept
from intake.schema import CallInfo
from okno.cli import main
from okno.settings import Settings
from storage.models import (
    Alert,
    AuditLog,
    Call,
    ChannelAccount,
    Client,
    ClientContact,
    Contact,
    Message,
    Outbox,
    Request,
    Staff,
    StaffInvite,
    Task,
    TranscriptSegment,
)
from storage.repos.accounts import add_staff
from storage.repos.staff_bot import code_digest
from storage.types import utcnow
from tests.factories import inbound as inbound_message
from tests.web.conftest import PASSWORD, Browserless, Seeded, SignIn, inbound
from web.pages_tasks import CLOSED_TASKS, OPEN_TASKS
from web.queries import DONE_QUEUE_ROWS, OPEN_QUEUE_ROWS, queue_of

pytestmark = pytest.mark.storage

MOSCOW = ZoneInfo("Europe/Moscow")  # the company zone of the seeded install


async def test_anonymous_is_redirected_to_login(seeded: Seeded) -> None:
    async with aiohttp.ClientSession() as http:
        for path in (
            "/",
            "/ui/",
            f"/ui/requests/{seeded.own_request_id}",
            "/ui/dashboard",
            "/ui/admin/staff",
        ):
            async with http.get(seeded.url + path, allow_redirects=True) as resp:
                assert resp.status == 200 and resp.url.path == "/ui/login", path
                assert 'name="password"' in await resp.text()


async def test_wrong_password_fails_and_the_rate_limit_stops_guessing(seeded: Seeded) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(seeded.url + "/ui/login") as resp:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await resp.text())
        assert csrf is not None
        statuses = []
        for _ in range(6):
            form = {"login": "anna@example.ru", "password": "nope", "csrf": csrf.group(1)}
            async with http.post(seeded.url + "/ui/login", data=form, allow_redirects=False) as resp:
                statuses.append(resp.status)
        assert statuses == [401] * 5 + [429]
        # Blocked even with the right password until the window passes.
        form = {"login": "anna@example.ru", "password": PASSWORD, "csrf": csrf.group(1)}
        async with http.post(seeded.url + "/ui/login", data=form, allow_redirects=False) as resp:
            assert resp.status == 429


async def test_session_cookie_is_encrypted_and_http_only(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    cookie = next(c for c in anna.http.cookie_jar if c.key == "okno_session")
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    sealed = base64.urlsafe_b64decode(cookie.value + "=" * (-len(cookie.value) % 4))
    assert sealed[:1] == b"\x80" and b'"sid"' not in sealed and b"csrf" not in sealed  # Fernet: no plaintext
    # A tampered cookie is no session at all.
    tampered = cookie.value[:-8] + ("A" * 8 if not cookie.value.endswith("A" * 8) else "B" * 8)
    for value, expected in ((tampered, 303), (cookie.value, 200)):
        async with (
            aiohttp.ClientSession(cookies={"okno_session": value}) as http,
            http.get(seeded.url + "/ui/", allow_redirects=False) as resp,
        ):
            assert resp.status == expected


async def test_security_headers_and_csp_without_inline_script(sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    async with anna.http.get(anna.base + "/ui/") as resp:
        csp = resp.headers["Content-Security-Policy"]
        body = await resp.text()
        assert (
            resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
        )
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body) is None  # no inline script element
    assert re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", body) is None  # no inline event handlers


async def test_form_without_csrf_token_is_403(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    await anna.get(f"/ui/requests/{seeded.own_request_id}")
    for path, data in (
        (f"/ui/requests/{seeded.own_request_id}/reply", {"text": "Готово"}),
        (f"/ui/requests/{seeded.own_request_id}/form", {"status": "done"}),
        ("/ui/tasks", {"title": "x"}),
        ("/ui/logout", {}),
    ):
        resp = await anna.post(path, data, csrf=False)
        assert resp.status == 403, path
        bad = await anna.post(path, {**data, "csrf": "forged"}, csrf=False)
        assert bad.status == 403, path
    async with seeded.live.services.db.session() as session:
        assert (await session.execute(select(Outbox))).scalars().first() is None
        assert (await session.get(Request, seeded.own_request_id)).status == "new"  # type: ignore[union-attr]
    # Login itself needs the token too.
    async with aiohttp.ClientSession() as http:
        form = {"login": "anna@example.ru", "password": PASSWORD}
        async with http.post(seeded.url + "/ui/login", data=form, allow_redirects=False) as resp:
            assert resp.status == 403


async def test_manager_sees_own_and_unassigned_not_anothers(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    status, inbox = await anna.get("/ui/?queue=unanswered")
    assert status == 200
    assert "Ольга Смирнова" not in inbox or "ООО «Ромашка»" in inbox  # own request shows its client name
    assert f'data-request="{seeded.own_request_id}"' in inbox
    assert f'data-request="{seeded.unassigned_request_id}"' in inbox
    assert f'data-request="{seeded.others_request_id}"' not in inbox and "Ирина Белова" not in inbox
    status, _ = await anna.get(f"/ui/requests/{seeded.others_request_id}")
    assert status == 404
    resp = await anna.post(f"/ui/requests/{seeded.others_request_id}/reply", {"text": "чужое"})
    assert resp.status == 404
    for path in ("/ui/admin/staff", "/ui/dashboard"):
        status, _ = await anna.get(path)
        assert status == 403, path
    resp = await anna.post("/ui/admin/staff", {"name": "x", "role": "admin", "password": "0123456789ab"})
    assert resp.status == 403


async def test_supervisor_sees_all_and_the_dashboard_admin_adds_staff(
    seeded: Seeded, sign_in: SignIn
) -> None:
    boss = await sign_in("viktor@example.ru")
    status, inbox = await boss.get("/ui/?queue=unanswered")
    assert status == 200 and f'data-request="{seeded.others_request_id}"' in inbox
    status, page = await boss.get("/ui/dashboard")
    assert status == 200 and page.count("<svg") >= 2 and "Когда будет акт" in page
    status, _ = await boss.get("/ui/admin/staff")
    assert status == 403
    admin = await sign_in("galina@example.ru")
    await admin.get("/ui/admin/staff")
    resp = await admin.post(
        "/ui/admin/staff",
        {"name": "Дмитрий", "email": "dima@example.ru", "role": "manager", "password": PASSWORD},
    )
    assert resp.status == 303
    dima = await sign_in("dima@example.ru")
    assert (await dima.get("/ui/"))[0] == 200


async def test_admin_gives_a_member_a_code_that_connects_their_telegram(
    seeded: Seeded, sign_in: SignIn
) -> None:
    boss, admin = await sign_in("viktor@example.ru"), await sign_in("galina@example.ru")
    await boss.get("/ui/")
    assert (await boss.post(f"/ui/admin/staff/{seeded.supervisor_id}/invite", {})).status == 403
    status, listing = await admin.get("/ui/admin/staff")
    assert status == 200, listing[:500]
    resp = await admin.post(f"/ui/admin/staff/{seeded.supervisor_id}/invite", {})
    page = await resp.text()
    found = re.search(r"Код для Виктор: пусть отправит боту сотрудников «/start (\S+)»", page)
    assert resp.status == 200 and found is not None, page[:300]
    async with seeded.live.services.db.session() as session:
        invite = (await session.execute(select(StaffInvite))).scalars().one()
        assert (invite.staff_id, invite.role, invite.created_by_id) == (
            seeded.supervisor_id,
            "supervisor",
            seeded.admin_id,
        )
        assert invite.code_sha256 == code_digest(found.group(1))
    assert found.group(1) not in (await admin.get("/ui/admin/staff"))[1]  # shown once


async def test_admin_sets_a_members_head_and_a_circle_or_a_manager_is_refused(
    seeded: Seeded, sign_in: SignIn
) -> None:
    boss, admin = await sign_in("viktor@example.ru"), await sign_in("galina@example.ru")
    await boss.get("/ui/")
    head = {"head_id": str(seeded.supervisor_id)}
    assert (await boss.post(f"/ui/admin/staff/{seeded.manager_id}/head", head)).status == 403
    status, page = await admin.get("/ui/admin/staff")
    assert status == 200 and f'action="/ui/admin/staff/{seeded.manager_id}/head"' in page
    assert (await admin.post(f"/ui/admin/staff/{seeded.manager_id}/head", head)).status == 303
    await admin.post(f"/ui/admin/staff/{seeded.supervisor_id}/head", {"head_id": str(seeded.admin_id)})
    # the admin under the supervisor who is under the admin: nobody would be told
    await admin.post(f"/ui/admin/staff/{seeded.admin_id}/head", {"head_id": str(seeded.supervisor_id)})
    _, page = await admin.get("/ui/admin/staff")
    assert "Так получится круг" in page
    await admin.post(f"/ui/admin/staff/{seeded.other_manager_id}/head", {"head_id": str(seeded.manager_id)})
    _, page = await admin.get("/ui/admin/staff")
    assert "Руководителем может быть супервизор или администратор" in page
    async with seeded.live.services.db.session() as session:
        heads = {s.id: s.head_id for s in (await session.execute(select(Staff))).scalars()}
    assert heads[seeded.manager_id] == seeded.supervisor_id and heads[seeded.supervisor_id] == seeded.admin_id
    assert heads[seeded.admin_id] is None and heads[seeded.other_manager_id] is None
    selected = re.search(
        rf'action="/ui/admin/staff/{seeded.manager_id}/head".*?'
        rf'<option value="{seeded.supervisor_id}" selected>',
        page,
        re.S,
    )
    assert selected is not None
    await admin.post(f"/ui/admin/staff/{seeded.manager_id}/head", {"head_id": ""})
    async with seeded.live.services.db.session() as session:
        anna = await session.get(Staff, seeded.manager_id)
    assert anna is not None and anna.head_id is None


async def test_admin_gives_an_imported_member_a_web_password(seeded: Seeded, sign_in: SignIn) -> None:
    async with seeded.live.services.db.session() as session:
        pavel = await add_staff(session, name="Павел Сергеев", email="pavel@example.ru")  # from the HR list
        await session.commit()
    boss, admin = await sign_in("viktor@example.ru"), await sign_in("galina@example.ru")
    await boss.get("/ui/")
    form = {"staff_id": str(pavel.id), "password": PASSWORD}
    assert (await boss.post("/ui/admin/staff/password", form)).status == 403
    _, page = await admin.get("/ui/admin/staff")
    assert f'<option value="{pavel.id}">Павел Сергеев (pavel@example.ru) — без пароля</option>' in page
    await admin.post("/ui/admin/staff/password", {**form, "password": "short"})
    assert "Пароль не короче 10 символов" in (await admin.get("/ui/admin/staff"))[1]
    assert (await admin.post("/ui/admin/staff/password", form)).status == 303
    pavel_in = await sign_in("pavel@example.ru")
    assert (await pavel_in.get("/ui/"))[0] == 200
    async with seeded.live.services.db.session() as session:
        logged = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "staff.password"))
        ).scalars()
        [entry] = logged.all()
    assert (
        entry.entity_id == pavel.id
        and entry.actor_id == seeded.admin_id
        and PASSWORD not in str(entry.details)
    )


async def test_script_and_tracking_pixel_render_inert(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    status, page = await anna.get(f"/ui/requests/{seeded.unassigned_request_id}")
    assert status == 200
    assert "&lt;script&gt;alert(" in page and "onerror=&#34;alert(1)&#34;" in page  # shown, escaped
    assert "<script>" not in page and not re.search(r"<script(?![^>]*/ui/static/app\.js)", page)
    assert re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", page) is None  # no element carries an event handler
    assert "tracker.example.net" not in page  # the pixel and the CSS background are gone
    assert "Добрый день, счёт во вложении." in page  # the email's text survives
    assert re.search(r"<img[^>]*src=\"(?!/ui/files/)", page) is None  # no image from anywhere else


async def test_reply_goes_out_through_the_clients_channel(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    await anna.get(f"/ui/requests/{seeded.own_request_id}")
    resp = await anna.post(
        f"/ui/requests/{seeded.own_request_id}/reply", {"text": "Справку пришлём в четверг"}
    )
    assert resp.status == 303
    await seeded.live.drain()
    assert any("Справку пришлём в четверг" in str(item) for item in seeded.live.receiver.received)
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.own_request_id)
        assert row is not None and row.status == "in_work" and row.first_response_at is not None
    # answered: the client waits on us no more, until they write again
    _, in_work = await anna.get("/ui/?queue=in_work")
    cells = in_work.split(f'data-request="{seeded.own_request_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-label="Ждёт">—</td>' in cells
    await inbound(seeded.live, "e-own-again", {"id": "own"}, "Спасибо, а к четвергу точно успеете?")
    await seeded.live.drain()
    _, in_work = await anna.get("/ui/?queue=in_work")
    cells = in_work.split(f'data-request="{seeded.own_request_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-label="Ждёт">0 мин</td>' in cells


async def test_a_reply_the_client_did_not_get_says_so(seeded: Seeded, sign_in: SignIn) -> None:
    """The client's system refused the reply: the timeline said nothing and the inbox read it as answered."""
    seeded.live.receiver.fail_with.append(400)
    anna = await sign_in("anna@example.ru")
    await anna.get(f"/ui/requests/{seeded.own_request_id}")
    await anna.post(f"/ui/requests/{seeded.own_request_id}/reply", {"text": "Справку пришлём в четверг"})
    await seeded.live.drain()
    _, page = await anna.get(f"/ui/requests/{seeded.own_request_id}")
    reply = page.split("Справку пришлём в четверг", 1)[0].rsplit('<li class="msg outbound"', 1)[1]
    assert '<span class="delivery delivery-failed">не доставлено</span>' in reply
    assert "Клиент не получил этот ответ" in reply and "receiver refused with 400" in reply
    _, in_work = await anna.get("/ui/?queue=in_work")
    cells = in_work.split(f'data-request="{seeded.own_request_id}"', 1)[1].split("</tr>", 1)[0]
    assert "ответ не доставлен" in cells and 'data-label="Ждёт">—</td>' not in cells
    # answered again, and delivered: the flag goes, the client waits on us no more
    await anna.post(f"/ui/requests/{seeded.own_request_id}/reply", {"text": "Повторяем: справка в четверг"})
    await seeded.live.drain()
    _, page = await anna.get(f"/ui/requests/{seeded.own_request_id}")
    again = page.split("Повторяем: справка в четверг", 1)[0].rsplit('<li class="msg outbound"', 1)[1]
    assert '<span class="delivery delivery-sent">отправлено</span>' in again
    _, in_work = await anna.get("/ui/?queue=in_work")
    cells = in_work.split(f'data-request="{seeded.own_request_id}"', 1)[1].split("</tr>", 1)[0]
    assert "ответ не доставлен" not in cells and 'data-label="Ждёт">—</td>' in cells


async def test_manager_edits_the_form_with_manager_source_and_audit(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    await anna.get(f"/ui/requests/{seeded.own_request_id}")
    form = {
        "company_name": "ООО «Ромашка»",
        "inn": "7736207543",
        "what": "Справка 2-НДФЛ",
        # a Wednesday: the seeded "к пятнице" resolves to a Friday, so this is a change whatever today is
        "due_at": "2026-12-09",
        "status": "waiting_client",
        "assignee_id": str(seeded.manager_id),
    }
    resp = await anna.post(f"/ui/requests/{seeded.own_request_id}/form", form)
    assert resp.status == 303
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.own_request_id)
        assert row is not None
        assert (row.company_name, row.inn, row.what, row.status) == (
            "ООО «Ромашка»",
            "7736207543",
            "Справка 2-НДФЛ",
            "waiting_client",
        )
        assert row.due_at is not None and row.due_at.date().isoformat() == "2026-12-09"
        # a picked date is the end of that business day in the company's zone (Moscow here), not 18:00 UTC
        assert row.due_at.astimezone(MOSCOW).isoformat() == "2026-12-09T18:00:00+03:00"
        assert {v["source"] for v in row.field_sources.values()} == {"manager"}
        actions = (
            (await session.execute(select(AuditLog.action).where(col(AuditLog.entity_id) == row.id)))
            .scalars()
            .all()
        )
        assert "request.form" in actions and "request.status" in actions
    # the inbox's line is the form's "what", the manager's correction included
    _, inbox = await anna.get("/ui/?queue=waiting_client")
    row_html = inbox.split(f'data-request="{seeded.own_request_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Справка 2-НДФЛ" in row_html
    # A manager cannot hand a request to somebody else.
    resp = await anna.post(
        f"/ui/requests/{seeded.own_request_id}/form", {**form, "assignee_id": str(seeded.other_manager_id)}
    )
    async with seeded.live.services.db.session() as session:
        assert (await session.get(Request, seeded.own_request_id)).assignee_id == seeded.manager_id  # type: ignore[union-attr]


async def test_an_inn_typed_in_the_form_puts_the_request_in_that_clients_history(
    seeded: Seeded, sign_in: SignIn
) -> None:
    """Intake could not place a letter (no INN, a public mail address): the manager's INN does, and the
    request and its writer join the client (there was no other way to join them from the web)."""
    boris = await sign_in("boris@example.ru")
    url = f"/ui/requests/{seeded.others_request_id}"
    await boris.get(url)
    form = {
        "company_name": "",
        "inn": "7736207544",
        "what": "",
        "due_at": "",
        "status": "new",
        "assignee_id": "",
    }
    assert (await boris.post(f"{url}/form", form)).status == 303
    _, page = await boris.get(url)
    assert "ИНН: 10 или 12 цифр с верной контрольной суммой; ничего не сохранено" in page
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.others_request_id)
        assert row is not None and (row.inn, row.client_id) == (None, None)
    await boris.post(f"{url}/form", {**form, "inn": "7736 207 543"})  # Ромашка's, as people type it
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.others_request_id)
        assert row is not None and (row.inn, row.client_id) == ("7736207543", seeded.client_id)
        link = await session.get(ClientContact, (seeded.client_id, row.contact_id))
        assert link is not None
    _, card = await boris.get(f"/ui/clients/{seeded.client_id}")
    assert f"#{seeded.others_request_id}" in card and "Ирина Белова" in card
    # another company's INN, never seen: a new client under the name the form gives
    await boris.post(f"{url}/form", {**form, "company_name": "ИП Смирнов А.В.", "inn": "500100732259"})
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.others_request_id)
        assert row is not None and row.client_id not in (None, seeded.client_id)
        client = await session.get(Client, row.client_id)
        assert client is not None and (client.name, client.inn) == ("ИП Смирнов А.В.", "500100732259")


async def test_tasks_merge_and_unmerge(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    status, board = await anna.get("/ui/tasks")
    assert status == 200 and "task overdue" in board
    resp = await anna.post(
        "/ui/tasks", {"title": "Ежемесячный отчёт НДС", "recurrence": "monthly", "due": ""}
    )
    assert resp.status == 303
    status, card = await anna.get(f"/ui/clients/{seeded.client_id}")
    assert status == 200 and "merge-form" in card
    survivor, merged = seeded.contact_ids
    resp = await anna.post(
        f"/ui/clients/{seeded.client_id}/merge", {"survivor_id": str(survivor), "merged_id": str(merged)}
    )
    assert resp.status == 303
    async with seeded.live.services.db.session() as session:
        assert (await session.get(Contact, merged)).merged_into_id == survivor  # type: ignore[union-attr]
        task = (await session.execute(select(Task).where(col(Task.recurrence) == "monthly"))).scalars().one()
        assert task.author_id == seeded.manager_id
    status, card = await anna.get(f"/ui/clients/{seeded.client_id}")
    undo = re.search(r"/ui/clients/\d+/merges/(\d+)/undo", card)
    assert undo is not None
    resp = await anna.post(undo.group(0), {})
    assert resp.status == 303
    async with seeded.live.services.db.session() as session:
        assert (await session.get(Contact, merged)).merged_into_id is None  # type: ignore[union-attr]


async def test_attachment_download_needs_a_session(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    _, page = await anna.get(f"/ui/requests/{seeded.unassigned_request_id}")
    link = re.search(r'href="(/ui/files/\d+)" download', page)
    assert link is not None
    async with anna.http.get(anna.base + link.group(1)) as resp:
        assert resp.status == 200 and "attachment" in resp.headers["Content-Disposition"]
        assert resp.headers["Content-Type"] == "application/octet-stream"
    async with (
        aiohttp.ClientSession() as http,
        http.get(seeded.url + link.group(1), allow_redirects=False) as resp,
    ):
        assert resp.status == 303


async def test_english_is_available(sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    _, russian = await anna.get("/ui/")
    _, english = await anna.get("/ui/?lang=en")
    assert "Неотвеченные" in russian and "Unanswered" in english
    _, later = await anna.get("/ui/replies")  # the top bar's switch holds for the session's next pages
    assert "My saved replies" in later


async def test_the_language_picked_before_signing_in_stays_and_the_company_language_is_the_default(
    seeded: Seeded,
) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        reader = Browserless(http, seeded.url)
        await reader.get("/ui/login?lang=en")
        resp = await reader.post("/ui/login", {"login": "anna@example.ru", "password": PASSWORD})
        assert resp.status == 303
        _, page = await reader.get("/ui/")
        assert "Unanswered" in page
    company = seeded.live.services.settings.company
    company.language = "en"
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            _, page = await Browserless(http, seeded.url).get("/ui/login")
    finally:
        company.language = "ru"
    assert 'lang="en"' in page


async def test_live_updates_announce_a_new_client_message(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    path = f"/ui/events?request={seeded.own_request_id}"
    async with anna.http.get(anna.base + path, timeout=aiohttp.ClientTimeout(total=20)) as stream:
        assert stream.status == 200 and stream.headers["Content-Type"].startswith("text/event-stream")
        await inbound(seeded.live, "e-own-2", {"id": "own", "name": "Ольга Смирнова"}, "И ещё акт сверки")
        await seeded.live.drain()
        seen = b""
        while b"data: new" not in seen:
            seen += await stream.content.readline()
    status, _ = await anna.get(f"/ui/events?request={seeded.others_request_id}")
    assert status == 404  # another manager's request: no stream either


async def test_a_conflict_alert_takes_the_staff_verdict_and_keeps_the_models_kind(
    seeded: Seeded, sign_in: SignIn
) -> None:
    anna = await sign_in("anna@example.ru")
    status, page = await anna.get(f"/ui/requests/{seeded.own_request_id}")
    # the kind in words, and a form to confirm it (any kind offered) or to say it is no conflict
    assert status == 200 and "Сигналы: недовольство" in page and "dissatisfaction</b>" not in page
    assert f'action="/ui/alerts/{seeded.alert_id}/verdict"' in page and "угроза уйти</option>" in page
    verdict = f"/ui/alerts/{seeded.alert_id}/verdict"
    assert (await anna.post(verdict, {"conflict": "yes", "category": "gossip"})).status == 400
    assert (await anna.post(verdict, {"conflict": "maybe"})).status == 400
    assert (await anna.post(verdict, {"conflict": "yes", "category": "missed_deadline"})).status == 303
    async with seeded.live.services.db.session() as session:
        alert = await session.get(Alert, seeded.alert_id)
        assert alert is not None
        assert (alert.category, alert.feedback, alert.status) == ("missed_deadline", True, "acked")
        assert alert.details["model_category"] == "dissatisfaction" and alert.acked_by_id == seeded.manager_id
        confirmed = select(AuditLog).where(col(AuditLog.action) == "alert.confirm")
        [row] = (await session.execute(confirmed)).scalars()
        assert row.details["category"] == "missed_deadline" and row.details["via"] == "web"
    _, page = await anna.get(f"/ui/requests/{seeded.own_request_id}")
    assert "Сигналы: сорван срок" in page and "отмечено: конфликт" in page and verdict not in page
    # a second thought: not a conflict after all
    assert (await anna.post(verdict, {"conflict": "no"})).status == 303
    async with seeded.live.services.db.session() as session:
        alert = await session.get(Alert, seeded.alert_id)
        assert alert is not None and (alert.feedback, alert.status) == (False, "dismissed")
        assert alert.details["model_category"] == "dissatisfaction"
    # and a conflict after all, of a third kind: the model's own kind is still the one kept
    assert (await anna.post(verdict, {"conflict": "yes", "category": "churn_threat"})).status == 303
    async with seeded.live.services.db.session() as session:
        alert = await session.get(Alert, seeded.alert_id)
        assert alert is not None and (alert.category, alert.feedback) == ("churn_threat", True)
        assert alert.status == "acked"
        assert alert.details["model_category"] == "dissatisfaction"
    assert (await anna.post(verdict, {"conflict": "no"}, csrf=False)).status == 403


async def test_the_verdicts_are_written_as_a_conflicts_set(
    seeded: Seeded, sign_in: SignIn, settings: Settings, tmp_path: Path
) -> None:
    boss = await sign_in("viktor@example.ru")
    _, dashboard = await boss.get("/ui/dashboard")
    assert "Оценок пока нет" in dashboard and 'id="assistant-verdicts"' not in dashboard
    anna = await sign_in("anna@example.ru")
    await anna.get(f"/ui/requests/{seeded.own_request_id}")
    out = tmp_path / "feedback.jsonl"
    env = {"OKNO_DATA_DIR": str(settings.data_dir), "OKNO_DATABASE_URL": settings.effective_database_url}
    command = ["alerts", "feedback", "--out", str(out)]
    result = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert result.exit_code == 0 and "0 judged alerts" in result.output and out.read_text() == ""
    verdict = {"conflict": "yes", "category": "missed_deadline"}
    assert (await anna.post(f"/ui/alerts/{seeded.alert_id}/verdict", verdict)).status == 303
    result = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert "1 judged alerts: 1 conflicts confirmed (1 with the kind corrected), 0 missed" in result.output
    [case] = [json.loads(line) for line in out.read_text().splitlines()]
    assert (case["conflict"], case["category"]) == (True, "missed_deadline")
    assert case["model_category"] == "dissatisfaction"
    assert case["text"] == "Нужна справка 2-НДФЛ к пятнице" and case["channel"] == "chat"
    # a conflict the assistant let pass, marked on the client's message: counted as one the model missed
    async with seeded.live.services.db.session() as session:
        of = select(Message).where(col(Message.request_id) == seeded.unassigned_request_id)
        missed = (await session.execute(of)).scalars().one()
        of = select(Message).where(col(Message.request_id) == seeded.others_request_id)
        anothers = (await session.execute(of)).scalars().one()
    _, page = await anna.get(f"/ui/requests/{seeded.unassigned_request_id}")
    mark = f"/ui/messages/{missed.id}/conflict"
    assert f'action="{mark}"' in page and "Ассистент пропустил конфликт?" in page
    assert (await anna.post(mark, {"category": "gossip"})).status == 400
    assert (await anna.post(f"/ui/messages/{anothers.id}/conflict", {"category": "rudeness"})).status == 404
    assert (await anna.post(mark, {"category": "rudeness"})).status == 303
    _, page = await anna.get(f"/ui/requests/{seeded.unassigned_request_id}")
    assert f'action="{mark}"' not in page and "Сигналы: грубость" in page
    async with seeded.live.services.db.session() as session:
        of_alert = select(Alert).where(col(Alert.source_message_id) == missed.id)
        marked = (await session.execute(of_alert)).scalars().one()
        assert (marked.status, marked.feedback, marked.acked_by_id) == ("acked", True, seeded.manager_id)
    result = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert "2 judged alerts: 1 conflicts confirmed (1 with the kind corrected), 1 missed" in result.output
    second = json.loads(out.read_text().splitlines()[1])
    assert (second["conflict"], second["category"], second["model_category"]) == (True, "rudeness", "none")
    # the supervisor's dashboard counts the same verdicts
    _, dashboard = await boss.get("/ui/dashboard")
    figures = dict(re.findall(r"<li>([^<:]+): <b>(\d+)</b>", dashboard.split('id="assistant-verdicts"')[1]))
    assert figures == {
        "Верных предупреждений о конфликте": "1",
        "Ложных («Не конфликт»)": "0",
        "Вид исправлен сотрудником": "1",
        "Пропущенных конфликтов отмечено": "1",
        "Без оценки": "0",
    }
    assert "<b>1</b> / 1 (100 %)" in dashboard
    assert (await anna.post(f"/ui/alerts/{seeded.alert_id}/verdict", {"conflict": "no"})).status == 303
    _, dashboard = await boss.get("/ui/dashboard")
    assert "Ложных («Не конфликт»): <b>1</b>" in dashboard and "<b>0</b> / 1 (0 %)" in dashboard


async def test_a_call_only_request_plays_its_recording_and_offers_no_written_reply(
    seeded: Seeded, sign_in: SignIn
) -> None:
    """The walk-through's PBX call: the page offered «Ответ уйдёт в канал telephony» (a reply there could not
    be sent) and no player for the recording its transcript was made from."""
    live = seeded.live
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
    call = CallInfo(direction="inbound", from_number="+79165551234", started_at=utcnow(), ended_at=utcnow())
    got = await accept(
        live.services.db,
        inbound_message(
            "c-walk",
            text=None,
            kind="call",
            channel="telephony",
            account="pbx",
            sender="+79165551234",
            phone="+79165551234",
            call=call,
        ),
        policy=live.services.jobs.policy,
    )
    async with live.services.db.session() as session:
        record = (
            (await session.execute(select(Call).where(col(Call.message_id) == got.message_id)))
            .scalars()
            .one()
        )
        record.recording_sha256 = await live.services.jobs.blobs.put(wav)
        request = await session.get(Request, got.request_id)
        assert request is not None
        request.assignee_id = seeded.other_manager_id
        await session.commit()
    boris, anna = await sign_in("boris@example.ru"), await sign_in("anna@example.ru")
    _, page = await boris.get(f"/ui/requests/{got.request_id}")
    player = f'<audio controls preload="none" src="/ui/calls/{record.id}/recording"></audio>'
    assert player in page
    assert 'action="/ui/requests/' not in page.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    assert "только звонил: письменно ответить некуда" in page
    async with boris.http.get(f"{seeded.url}/ui/calls/{record.id}/recording") as resp:
        assert (resp.status, resp.content_type, await resp.read()) == (200, "audio/wav", wav)
    async with anna.http.get(f"{seeded.url}/ui/calls/{record.id}/recording") as resp:
        assert resp.status == 404  # Борис's request: not hers to hear
    # the client writes afterwards: the reply goes to that channel, not to the call's
    mail = await accept(
        live.services.db,
        inbound_message(
            "c-walk-mail",
            channel="email",
            account="box",
            sender="p@romashka.example",
            email="p@romashka.example",
            phone="+79165551234",
            text="Жду акт",
        ),
        policy=live.services.jobs.policy,
    )
    _, page = await boris.get(f"/ui/requests/{got.request_id}")
    assert mail.request_id == got.request_id
    assert "(Ответ уйдёт в канал email)" in page


async def test_a_call_turn_the_assistant_let_pass_is_marked_and_written_with_its_call_context(
    seeded: Seeded, sign_in: SignIn, settings: Settings, tmp_path: Path
) -> None:
    turns = [
        ("operator", "Компания «Окно», здравствуйте."),
        ("client", "Я вам уже третий раз звоню, заказ так и не привезли."),
        ("operator", "Сейчас проверю, минуту."),
        ("client", "И счёт у вас опять неправильный."),
        ("client", "Всё, расторгаем договор."),
        ("client", "До свидания."),
    ]
    async with seeded.live.services.db.session() as session:
        of = select(Message).where(col(Message.request_id) == seeded.own_request_id)
        first = (await session.execute(of)).scalars().first()
        assert first is not None
        call_message = Message(
            conversation_id=first.conversation_id,
            request_id=seeded.own_request_id,
            channel="telephony",
            account="pbx",
            message_key="call-turns-1",
            direction="inbound",
            kind="call",
            text="\n".join(text for _, text in turns),
            sent_at=first.sent_at,
        )
        session.add(call_message)
        await session.flush()
        call = Call(message_id=call_message.id or 0, direction="inbound", transcript_status="done")
        session.add(call)
        await session.flush()
        segments = [
            TranscriptSegment(
                call_id=call.id or 0, position=n, speaker=who, start_s=n * 5, end_s=n * 5 + 4, text=text
            )
            for n, (who, text) in enumerate(turns)
        ]
        session.add_all(segments)
        await session.flush()
        # the check read every client turn and alerted the fifth, the one it was surest of
        session.add(
            Alert(
                kind="conflict",
                category="churn_threat",
                source_message_id=call_message.id,
                source_segment_id=segments[4].id,
                client_id=seeded.client_id,
                request_id=seeded.own_request_id,
                evidence_quote="Всё, расторгаем договор.",
            )
        )
        await session.commit()
        ids = [s.id for s in segments]
    anna = await sign_in("anna@example.ru")
    page_url = f"/ui/requests/{seeded.own_request_id}"
    _, page = await anna.get(page_url)
    offered = set(map(int, re.findall(r'name="segment" value="(\d+)"', page)))
    assert offered == {ids[1], ids[3], ids[5]}  # the client's turns the check let pass, not the operator's
    mark = f"/ui/messages/{call_message.id}/conflict"
    assert (await anna.post(mark, {"category": "missed_deadline"})).status == 400  # which turn?
    for refused in (ids[0], ids[2], 10**6):  # the operator's turns, none of this call
        assert (await anna.post(mark, {"category": "missed_deadline", "segment": str(refused)})).status == 400
    assert (await anna.post(mark, {"category": "missed_deadline", "segment": "x"})).status == 400
    assert (await anna.post(mark, {"category": "missed_deadline", "segment": str(ids[1])})).status == 303
    _, page = await anna.get(page_url)  # the marked turn is an alert now; the others stay
    assert set(map(int, re.findall(r'name="segment" value="(\d+)"', page))) == {ids[3], ids[5]}
    async with seeded.live.services.db.session() as session:
        of_alert = select(Alert).where(col(Alert.source_segment_id) == ids[1])
        marked = (await session.execute(of_alert)).scalars().one()
        assert (marked.status, marked.feedback, marked.category) == ("acked", True, "missed_deadline")
        assert marked.source_message_id == call_message.id
    out = tmp_path / "feedback.jsonl"
    env = {"OKNO_DATA_DIR": str(settings.data_dir), "OKNO_DATABASE_URL": settings.effective_database_url}
    command = ["alerts", "feedback", "--out", str(out)]
    result = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert result.exit_code == 0 and "1 judged alerts: 0 conflicts confirmed" in result.output
    assert "1 missed" in result.output
    [case] = [json.loads(line) for line in out.read_text().splitlines()]
    assert (case["channel"], case["text"], case["category"], case["model_category"]) == (
        "call",
        turns[1][1],
        "missed_deadline",
        "none",
    )
    assert case["context"] == [{"speaker": "operator", "text": turns[0][1]}]


@pytest.mark.storage  # the queue queries on PostgreSQL too
async def test_a_new_request_shows_however_many_came_before(seeded: Seeded, sign_in: SignIn) -> None:
    """The inbox once read the 500 oldest requests and sorted those into queues: past 500, every new request
    was missing from «Неотвеченные» and the counts stopped at 500."""
    services = seeded.live.services
    old = utcnow() - timedelta(days=200)
    async with services.db.session() as session:
        finished = [
            Request(
                contact_id=seeded.contact_ids[0],
                origin_channel="api",
                status="done",
                what=f"Старое обращение {i}",
                created_at=old,
                last_activity_at=old + timedelta(minutes=i),
                done_at=old + timedelta(minutes=i),
            )
            for i in range(OPEN_QUEUE_ROWS + 20)
        ]
        fresh = Request(contact_id=seeded.contact_ids[0], origin_channel="api", what="Новое: нужен счёт")
        session.add_all([*finished, fresh])
        await session.commit()
    boss = await sign_in("viktor@example.ru")
    _, unanswered = await boss.get("/ui/?queue=unanswered")
    assert f'data-request="{fresh.id}"' in unanswered and "Новое: нужен счёт" in unanswered
    _, done = await boss.get("/ui/?queue=done")
    assert f"Старое обращение {OPEN_QUEUE_ROWS + 19}" in done  # the latest finished first
    assert done.count("data-request=") == DONE_QUEUE_ROWS
    async with services.db.session() as session:
        everyone = (await session.execute(select(Request))).scalars().all()
    counted = Counter(queue_of(r) for r in everyone)
    for queue in ("unanswered", "in_work", "waiting_client", "done"):
        assert f'data-queue="{queue}">' in unanswered
        tab = unanswered.split(f'data-queue="{queue}">', 1)[1].split("</a>", 1)[0]
        assert f'<b class="count">{counted[queue]}</b>' in tab, queue


async def test_times_are_shown_and_dates_read_in_the_companys_zone(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    late = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # 01:30 on the 7th in Moscow
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.own_request_id)
        assert row is not None
        message = (
            (await session.execute(select(Message).where(col(Message.request_id) == row.id)))
            .scalars()
            .first()
        )
        assert message is not None
        message.sent_at, row.due_at = late, late
        await session.commit()
    _, page = await anna.get(f"/ui/requests/{seeded.own_request_id}")
    assert "07.12.2026 01:30" in page and "06.12.2026 22:30" not in page
    assert 'name="due_at" type="date" value="2026-12-07"' in page
    # saving the form with the date it showed keeps the time of day the deadline had
    form = {"company_name": "", "inn": "", "what": "", "due_at": "2026-12-07", "status": row.status}
    assert (await anna.post(f"/ui/requests/{seeded.own_request_id}/form", form)).status == 303
    async with seeded.live.services.db.session() as session:
        saved = await session.get(Request, seeded.own_request_id)
        assert saved is not None and saved.due_at == late


@pytest.mark.storage  # the board's queries on PostgreSQL too
async def test_open_tasks_show_however_many_were_finished(seeded: Seeded, sign_in: SignIn) -> None:
    early = utcnow() - timedelta(days=300)
    anna_id = seeded.manager_id
    async with seeded.live.services.db.session() as session:
        finished = [
            Task(
                title=f"Ежедневная сверка {i}",
                assignee_id=anna_id,
                status="done",
                due_at=early,
                done_at=early,
            )
            for i in range(OPEN_TASKS + 20)
        ]
        own = Task(title="Позвонить в Ромашку", assignee_id=anna_id, due_at=utcnow() + timedelta(days=2))
        watched = Task(title="Сверка с Вектором", assignee_id=seeded.other_manager_id, watcher_ids=[anna_id])
        # a watcher list that only holds Анна's id as digits of another id is not hers to see
        other = Task(
            title="Чужая задача", assignee_id=seeded.other_manager_id, watcher_ids=[anna_id * 10 + 1]
        )
        session.add_all([*finished, own, watched, other])
        await session.commit()
    anna = await sign_in("anna@example.ru")
    _, board = await anna.get("/ui/tasks")
    open_column = board.split('data-column="open"', 1)[1].split('data-column="done"', 1)[0]
    assert "Позвонить в Ромашку" in open_column and "Чужая задача" in open_column
    done_column = board.split('data-column="done"', 1)[1].split('data-column="cancelled"', 1)[0]
    assert done_column.count("data-task=") == CLOSED_TASKS
    _, hers = await anna.get(f"/ui/tasks?assignee={anna_id}")
    assert "Позвонить в Ромашку" in hers and "Сверка с Вектором" in hers and "Чужая задача" not in hers


async def test_the_dashboard_counts_an_old_open_request_as_overdue(seeded: Seeded, sign_in: SignIn) -> None:
    long_ago = utcnow() - timedelta(days=120)
    async with seeded.live.services.db.session() as session:
        stale = Request(
            contact_id=seeded.contact_ids[0],
            origin_channel="api",
            status="in_work",
            created_at=long_ago,
            last_activity_at=long_ago,
            due_at=long_ago + timedelta(days=3),
        )
        session.add(stale)
        await session.commit()
    boss = await sign_in("viktor@example.ru")
    _, page = await boss.get("/ui/dashboard")
    assert f'<a href="/ui/requests/{stale.id}">#{stale.id}</a>' in page


async def test_a_heads_dashboard_shows_their_group_and_the_company_on_request(
    seeded: Seeded, sign_in: SignIn
) -> None:
    past = utcnow() - timedelta(days=1)
    async with seeded.live.services.db.session() as session:
        anna = await session.get(Staff, seeded.manager_id)
        assert anna is not None
        anna.head_id = seeded.supervisor_id  # Виктор heads Анна's group; the other manager is in none
        for request_id in (seeded.own_request_id, seeded.others_request_id):
            request = await session.get(Request, request_id)
            assert request is not None
            request.due_at = past
        await session.commit()

    def link(request_id: int) -> str:
        return f'<a href="/ui/requests/{request_id}">#{request_id}</a>'

    boss = await sign_in("viktor@example.ru")
    _, mine = await boss.get("/ui/dashboard")
    assert link(seeded.own_request_id) in mine and link(seeded.others_request_id) not in mine
    assert f'<option value="{seeded.supervisor_id}" selected>Группа: Виктор' in mine
    _, everyone = await boss.get("/ui/dashboard?team=all")
    assert link(seeded.own_request_id) in everyone and link(seeded.others_request_id) in everyone
    admin = await sign_in("galina@example.ru")  # heads nobody: the company, and Виктор's group to pick
    _, company = await admin.get("/ui/dashboard")
    assert link(seeded.others_request_id) in company and '<option value="all" selected>' in company
    _, group = await admin.get(f"/ui/dashboard?team={seeded.supervisor_id}")
    assert link(seeded.others_request_id) not in group and link(seeded.own_request_id) in group


async def test_the_inbox_narrows_to_a_heads_group(seeded: Seeded, sign_in: SignIn) -> None:
    async with seeded.live.services.db.session() as session:
        anna = await session.get(Staff, seeded.manager_id)
        assert anna is not None
        anna.head_id = seeded.supervisor_id
        await session.commit()
    boss = await sign_in("viktor@example.ru")
    _, everyone = await boss.get("/ui/?queue=unanswered")
    _, everyone_at_work = await boss.get("/ui/?queue=in_work")
    both = everyone + everyone_at_work
    assert (
        f'data-request="{seeded.others_request_id}"' in both
        and f'data-request="{seeded.own_request_id}"' in both
    )
    group = f"group:{seeded.supervisor_id}"
    pages = [(await boss.get(f"/ui/?queue={q}&assignee={group}"))[1] for q in ("unanswered", "in_work")]
    assert f'<option value="{group}" selected>Группа: Виктор' in pages[0]
    assert f'data-request="{seeded.own_request_id}"' in "".join(pages)
    assert f'data-request="{seeded.others_request_id}"' not in "".join(pages)
    assert f'data-request="{seeded.unassigned_request_id}"' not in "".join(pages)
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, seeded.unassigned_request_id)
        assert request is not None
        request.group_head_id = (
            seeded.supervisor_id
        )  # nobody's yet, come in on the line Виктор's group answers
        await session.commit()
    pages = [(await boss.get(f"/ui/?queue={q}&assignee={group}"))[1] for q in ("unanswered", "in_work")]
    assert f'data-request="{seeded.unassigned_request_id}"' in "".join(pages)


async def test_admin_sets_the_group_that_answers_a_line(seeded: Seeded, sign_in: SignIn) -> None:
    admin, boss = await sign_in("galina@example.ru"), await sign_in("viktor@example.ru")
    status, page = await admin.get("/ui/admin/channels")
    account_id = int(re.findall(r'action="/ui/admin/channels/(\d+)/group"', page)[0])
    assert status == 200 and f'<option value="{seeded.supervisor_id}">Группа: Виктор' in page
    await boss.get("/ui/")
    form = {"group_head_id": str(seeded.supervisor_id)}
    assert (await boss.post(f"/ui/admin/channels/{account_id}/group", form)).status == 403
    assert (await admin.post(f"/ui/admin/channels/{account_id}/group", form)).status == 303
    refused = {"group_head_id": str(seeded.manager_id)}  # a manager heads no group
    await admin.post(f"/ui/admin/channels/{account_id}/group", refused)
    async with seeded.live.services.db.session() as session:
        account = await session.get(ChannelAccount, account_id)
    assert account is not None and account.group_head_id == seeded.supervisor_id
    _, page = await admin.get("/ui/admin/channels")
    assert f'<option value="{seeded.supervisor_id}" selected>Группа: Виктор' in page


async def test_a_form_changed_by_someone_else_meanwhile_is_not_overwritten(
    seeded: Seeded, sign_in: SignIn
) -> None:
    """Анна and Виктор open the same request; Анна saves first: Виктор's save from the page he opened before
    is refused (it would have put back what Анна changed), and goes through once he has looked again."""
    anna, viktor = await sign_in("anna@example.ru"), await sign_in("viktor@example.ru")
    path = f"/ui/requests/{seeded.own_request_id}"
    pages = [(await who.get(path))[1] for who in (anna, viktor)]
    version = re.compile(r'name="version" value="([0-9a-f]{16})"')
    seen = [version.search(page) for page in pages]
    assert seen[0] is not None and seen[1] is not None and seen[0].group(1) == seen[1].group(1)
    form = {
        "company_name": "",
        "inn": "",
        "due_at": "",
        "status": "new",
        "assignee_id": str(seeded.manager_id),
    }
    anna_form = {**form, "what": "Справка 2-НДФЛ за 2026 год", "version": seen[0].group(1)}
    assert (await anna.post(f"{path}/form", anna_form)).status == 303
    viktors = {**form, "what": "Справка", "status": "in_work", "version": seen[1].group(1)}
    assert (await viktor.post(f"{path}/form", viktors)).status == 303
    _, page = await viktor.get(path)
    assert "Пока вы правили карточку, заявку изменили" in page
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.own_request_id)
        assert row is not None and (row.what, row.status) == ("Справка 2-НДФЛ за 2026 год", "new")
    fresh = version.search(page)
    assert fresh is not None and fresh.group(1) != seen[1].group(1)
    assert (await viktor.post(f"{path}/form", {**viktors, "version": fresh.group(1)})).status == 303
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.own_request_id)
        assert row is not None and (row.what, row.status) == ("Справка", "in_work")
