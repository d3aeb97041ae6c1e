"""«Сейчас нерабочее время», over a real HTTP connection: a client who opens a request on a Saturday is told
once, in their channel (the sandbox receiver gets the signed webhook), that it will be answered on Monday at
nine; a second message on the same request, a request opened in working hours, a notice turned off, and one
that could not go within the hour are left alone. The company's calendar: weekdays 9:00–18:00, Moscow."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage.repos.company_settings import (
    BusinessHours,
    ClientNotices,
    SlaSettings,
    save_client_notices,
    save_sla_settings,
)
from tests.conftest import Live
from tests.factories import api_body
from workers.off_hours import opening_words

pytestmark = pytest.mark.storage
MOSCOW = ZoneInfo("Europe/Moscow")
SATURDAY_NOON = datetime(2026, 12, 5, 12, 0, tzinfo=MOSCOW)


async def _company(live: Live, *, notice: bool = True) -> None:
    async with live.services.db.session() as session:
        await save_sla_settings(session, SlaSettings(business_hours=BusinessHours()), staff_id=None)
        await save_client_notices(session, ClientNotices(off_hours=notice), staff_id=None)
        await session.commit()


async def _writes(
    live: Live, event: str, at: datetime, *, sender: str = "u1", late: timedelta = timedelta()
) -> None:
    live.services.jobs.clock = lambda: at.astimezone(UTC) + timedelta(minutes=1) + late
    body: dict[str, Any] = api_body(event, text="Нужен акт сверки", sender=sender, sent_at=at.isoformat())
    headers = {**live.api_headers(), "Content-Type": "application/json"}
    async with live.http.post(f"{live.url}/api/v1/inbound", data=json.dumps(body), headers=headers) as resp:
        assert resp.status == 202
    await live.drain()


def _notices(live: Live) -> list[str]:
    return [str(r.body.get("text")) for r in live.receiver.received if "нерабочее" in str(r.body.get("text"))]


async def test_a_saturday_request_is_told_monday_at_nine_once(live: Live) -> None:
    await _company(live)
    await _writes(live, "e1", SATURDAY_NOON)
    assert _notices(live) == [
        "Здравствуйте! Сейчас нерабочее время. Ваше обращение #1 получено, ответим в понедельник, 07.12, "
        "с 09:00."
    ]
    await _writes(live, "e2", SATURDAY_NOON + timedelta(minutes=5))  # the same request: told already
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=MOSCOW)
    await _writes(live, "e3", monday, sender="u2")  # open: a manager will answer
    assert len(_notices(live)) == 1


async def test_nothing_is_said_when_turned_off_or_too_late(live: Live) -> None:
    await _company(live, notice=False)
    await _writes(live, "e1", SATURDAY_NOON)
    await _company(live)
    await _writes(live, "e2", SATURDAY_NOON, sender="u2", late=timedelta(hours=2))  # an outage held it up
    assert _notices(live) == []


@pytest.mark.parametrize(
    ("now", "opens", "words"),
    [
        (datetime(2026, 12, 7, 7, 0), datetime(2026, 12, 7, 9, 0), "сегодня с 09:00"),
        (datetime(2026, 12, 6, 23, 0), datetime(2026, 12, 7, 9, 0), "завтра с 09:00"),
        (datetime(2026, 12, 4, 18, 30), datetime(2026, 12, 7, 9, 0), "в понедельник, 07.12, с 09:00"),
        (datetime(2026, 12, 30, 19, 0), datetime(2027, 1, 11, 9, 0), "в понедельник, 11.01, с 09:00"),
    ],
)
def test_the_opening_in_words(now: datetime, opens: datetime, words: str) -> None:
    moment = opens.replace(tzinfo=MOSCOW)
    assert opening_words(moment, now.replace(tzinfo=MOSCOW), MOSCOW, "ru") == words
    assert opening_words(moment, now.replace(tzinfo=MOSCOW), MOSCOW, "en").startswith(
        ("today", "tomorrow", "on Monday")
    )
