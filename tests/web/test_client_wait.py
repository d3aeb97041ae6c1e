"""Waiting for the client in the web UI: «Отправить и ждать клиента» sends and waits, the form takes the
date the client was given (a past or malformed one changes no status), the page says when the assignee will
be reminded, and the inbox puts the client silent past their date first; the admin sets the silent days."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.models import Request
from storage.repos.company_settings import sla_settings
from storage.repos.requests import wait_for_client
from storage.types import utcnow
from tests.web.conftest import Seeded, SignIn

pytestmark = pytest.mark.storage
MOSCOW = ZoneInfo("Europe/Moscow")


async def _request(seeded: Seeded) -> Request:
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.own_request_id)
        assert row is not None
        return row


async def test_send_and_wait_then_the_form_gives_the_client_a_date(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    page_url = f"/ui/requests/{seeded.own_request_id}"
    _, page = await anna.get(page_url)
    assert "Отправить и ждать клиента" in page
    form = {"text": "Пришлите, пожалуйста, акты за ноябрь", "then": "wait"}
    assert (await anna.post(f"{page_url}/reply", form)).status == 303
    await seeded.live.drain()
    assert any("акты за ноябрь" in str(item) for item in seeded.live.receiver.received)
    row = await _request(seeded)
    assert (row.status, row.waiting_until, row.first_response_at is not None) == (
        "waiting_client",
        None,
        True,
    )
    _, page = await anna.get(page_url)
    assert "Ответ отправлен, ждём клиента" in page
    assert "если клиент промолчит, напомним" in page  # the company's two days from the reply
    edit = {"company_name": "", "inn": "", "what": row.what or "", "due_at": "", "assignee_id": ""}
    edit["assignee_id"] = str(seeded.manager_id)
    yesterday = (utcnow().astimezone(MOSCOW) - timedelta(days=1)).date().isoformat()
    for bad, notice in ((yesterday, "эта дата уже прошла"), ("10.12", "дата в формате")):
        answer = {**edit, "status": "waiting_client", "waiting_until": bad}
        assert (await anna.post(f"{page_url}/form", answer)).status == 303
        _, page = await anna.get(page_url)
        assert notice in page and (await _request(seeded)).waiting_until is None
    ahead = (utcnow().astimezone(MOSCOW) + timedelta(days=6)).date()
    await anna.post(
        f"{page_url}/form", {**edit, "status": "waiting_client", "waiting_until": ahead.isoformat()}
    )
    row = await _request(seeded)
    assert row.waiting_until is not None and row.waiting_until.astimezone(MOSCOW).date() == ahead
    assert row.waiting_until.astimezone(MOSCOW).hour == 18  # the end of that business day
    _, page = await anna.get(page_url)
    assert f'name="waiting_until" type="date" value="{ahead.isoformat()}"' in page
    assert f"если клиент промолчит, напомним {ahead.strftime('%d.%m.%Y')} 18:00" in page
    await anna.post(f"{page_url}/form", {**edit, "status": "in_work", "waiting_until": ahead.isoformat()})
    row = await _request(seeded)
    assert (row.status, row.waiting_until) == ("in_work", None)  # the date belongs to the wait


async def test_the_inbox_puts_the_silent_client_first(seeded: Seeded, sign_in: SignIn) -> None:
    supervisor = await sign_in("viktor@example.ru")
    async with seeded.live.services.db.session() as session:
        for request_id, since in ((seeded.own_request_id, 0), (seeded.others_request_id, 10)):
            row = await session.get(Request, request_id)
            assert row is not None  # the other waits since ten days ago, not a word since
            await wait_for_client(session, request=row, at=utcnow(), staff_id=None, until=None)
            row.last_activity_at = utcnow() - timedelta(days=since)
        await session.commit()
    _, inbox = await supervisor.get("/ui/?queue=waiting_client")
    rows = inbox.split('data-request="')[1:]
    assert [int(r.split('"', 1)[0]) for r in rows] == [seeded.others_request_id, seeded.own_request_id]
    assert "клиент молчит с" in rows[0].split("</tr>", 1)[0]
    assert "клиент молчит с" not in rows[1].split("</tr>", 1)[0]
    _, dashboard = await supervisor.get("/ui/dashboard")
    card = dashboard.split('id="dash-silent"', 1)[1].split("</section>", 1)[0]
    assert 'Клиент молчит дольше срока <b class="count">1</b>' in card
    assert f'href="/ui/requests/{seeded.others_request_id}"' in card and "ждём с" in card
    assert f'href="/ui/requests/{seeded.own_request_id}"' not in card


async def test_the_admin_sets_the_silent_days(seeded: Seeded, sign_in: SignIn) -> None:
    admin = await sign_in("galina@example.ru")
    _, page = await admin.get("/ui/admin/sla")
    assert 'name="client_wait_days" type="number" min="0" max="60" value="2"' in page
    form = {"first_response_minutes": "30", "start": "09:00", "end": "18:00", "holidays": ""}
    assert (await admin.post("/ui/admin/sla", {**form, "client_wait_days": "61"})).status == 303
    async with seeded.live.services.db.session() as session:
        assert (await sla_settings(session)).first_response_minutes is None  # refused: nothing saved
    await admin.post("/ui/admin/sla", {**form, "client_wait_days": "0"})
    async with seeded.live.services.db.session() as session:
        sla = await sla_settings(session)
    assert (sla.first_response_minutes, sla.client_wait_days) == (30, 0)
