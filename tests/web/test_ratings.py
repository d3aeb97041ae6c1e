"""The clients' ratings in the web UI: the admin turns the question on and sets what a low score is (SLA
settings); a done request's page shows the rating with the client's words, or that the client was asked; the
dashboard counts the ratings per manager and lists the low ones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import Request
from storage.repos.company_settings import ClientNotices, client_notices, save_client_notices
from storage.types import utcnow
from tests.web.conftest import Seeded, SignIn
from workers.outbound import queue_notice

pytestmark = pytest.mark.storage
FORM = {
    "first_response_minutes": "30",
    "start": "09:00",
    "end": "18:00",
    "holidays": "",
    "client_wait_days": "2",
}


async def _rate(seeded: Seeded, request_id: int, score: int | None, comment: str | None = None) -> None:
    now = utcnow()
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        request.status, request.done_at, request.survey_sent_at = "done", now, now
        request.rating, request.rating_comment = score, comment
        request.rated_at = now + timedelta(minutes=5) if score else None
        await session.commit()


async def test_the_admin_turns_the_question_on_and_sets_a_low_score(seeded: Seeded, sign_in: SignIn) -> None:
    admin = await sign_in("galina@example.ru")
    _, page = await admin.get("/ui/admin/sla")
    assert (
        'name="survey_on" value="1" >' in page
        and 'name="survey_low" type="number" min="1" max="4" value="3"' in page
    )
    await admin.post("/ui/admin/sla", {**FORM, "survey_on": "1", "survey_low": "5"})
    async with seeded.live.services.db.session() as session:
        assert await client_notices(session) == ClientNotices()  # refused: nothing saved
    await admin.post("/ui/admin/sla", {**FORM, "survey_on": "1", "survey_low": "2", "off_hours_on": "1"})
    async with seeded.live.services.db.session() as session:
        assert await client_notices(session) == ClientNotices(ask_rating=True, low_score=2, off_hours=True)
    _, page = await admin.get("/ui/admin/sla")
    assert 'name="survey_on" value="1" checked>' in page
    await admin.post("/ui/admin/sla", FORM)  # unticked: off again, the low score back to its default
    async with seeded.live.services.db.session() as session:
        assert await client_notices(session) == ClientNotices()


async def test_the_request_page_and_the_dashboard_show_the_clients_word(
    seeded: Seeded, sign_in: SignIn
) -> None:
    async with seeded.live.services.db.session() as session:
        await save_client_notices(session, ClientNotices(ask_rating=True), staff_id=None)
        await session.commit()
    await _rate(seeded, seeded.own_request_id, None)
    anna = await sign_in("anna@example.ru")
    await queue_notice(
        seeded.live.services.db,
        request_id=seeded.own_request_id,
        text="Оцените, пожалуйста…",
        at=utcnow(),
        key="q",
    )
    _, page = await anna.get(f"/ui/requests/{seeded.own_request_id}")
    assert "Клиента попросили оценить работу" in page
    question = page.split("Оцените, пожалуйста…", 1)[0].rsplit('<div class="meta">', 1)[1]
    assert " · okno · " in question  # okno's own message, not a staff member's
    await _rate(seeded, seeded.own_request_id, 2, "акт прислали только после третьего напоминания")
    await _rate(seeded, seeded.others_request_id, 5)
    _, page = await anna.get(f"/ui/requests/{seeded.own_request_id}")
    assert '<p id="rating" class="rating rating-low">Оценка клиента: <b>★★☆☆☆ 2/5</b>' in page
    assert "— «акт прислали только после третьего напоминания»" in page
    viktor = await sign_in("viktor@example.ru")
    _, dashboard = await viktor.get("/ui/dashboard?team=all")
    card = dashboard.split('id="dash-ratings"', 1)[1].split("</section>", 1)[0]
    assert '<b class="count">3.5</b> <span class="muted small">(2)</span>' in card
    assert "<tr><td>Анна</td><td>2.0</td><td>1</td><td>1</td></tr>" in card
    assert "<tr><td>Борис</td><td>5.0</td><td>1</td><td>0</td></tr>" in card
    assert f'href="/ui/requests/{seeded.own_request_id}"' in card and "«акт прислали только" in card
    assert f'href="/ui/requests/{seeded.others_request_id}"' not in card  # a five is not a low one
