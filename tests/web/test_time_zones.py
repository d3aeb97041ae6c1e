"""A member's own time zone on the web pages: set in the profile (or by an admin for anyone), the pages show
times in it and read a picked date in it; a member without one reads the company's time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from storage.models import Message, Request, Staff
from tests.web.conftest import Seeded, SignIn

pytestmark = pytest.mark.storage
MOSCOW, KRASNOYARSK = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Krasnoyarsk")


async def _zone(seeded: Seeded, staff_id: int) -> str | None:
    async with seeded.live.services.db.session() as session:
        member = await session.get(Staff, staff_id)
        assert member is not None
        return member.timezone


async def test_a_member_in_krasnoyarsk_reads_and_picks_dates_in_their_own_time(
    seeded: Seeded, sign_in: SignIn
) -> None:
    anna = await sign_in("anna@example.ru")
    page_url = f"/ui/requests/{seeded.own_request_id}"
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, seeded.own_request_id)
        assert request is not None
        query = select(Message).where(col(Message.request_id) == request.id)
        sent_at = (await session.execute(query)).scalars().first().sent_at  # type: ignore[union-attr]

    def shown(zone: ZoneInfo) -> str:
        return sent_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")

    _, page = await anna.get(page_url)
    assert shown(MOSCOW) in page and shown(KRASNOYARSK) not in page and "my-zone" not in page
    _, profile = await anna.get("/ui/profile")
    assert "как у компании: Москва (UTC+03:00)" in profile and '<option value="Asia/Krasnoyarsk">' in profile
    await anna.post("/ui/profile/zone", {"timezone": "Mars/Olympus"})
    _, profile = await anna.get("/ui/profile")
    assert "Неизвестный часовой пояс" in profile and await _zone(seeded, seeded.manager_id) is None
    await anna.post("/ui/profile/zone", {"timezone": "Asia/Krasnoyarsk"})
    _, profile = await anna.get("/ui/profile")
    assert "Часовой пояс сохранён" in profile and '<option value="Asia/Krasnoyarsk" selected>' in profile
    assert await _zone(seeded, seeded.manager_id) == "Asia/Krasnoyarsk"
    _, page = await anna.get(page_url)
    assert shown(KRASNOYARSK) in page and shown(MOSCOW) not in page
    assert '<span id="my-zone">Красноярск (UTC+07:00)</span>' in page  # whose times these are
    form = {"company_name": "", "inn": "", "what": request.what or "", "assignee_id": str(seeded.manager_id)}
    assert (await anna.post(f"{page_url}/form", {**form, "due_at": "2026-12-18"})).status == 303
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, seeded.own_request_id)
        assert request is not None
    assert request.due_at == datetime(2026, 12, 18, 11, 0, tzinfo=UTC)  # the end of her day: 18:00 hers
    _, page = await anna.get(page_url)
    assert 'name="due_at" type="date" value="2026-12-18"' in page
    await anna.post("/ui/profile/zone", {"timezone": ""})
    assert await _zone(seeded, seeded.manager_id) is None


async def test_an_admin_sets_a_members_zone_and_a_manager_cannot(seeded: Seeded, sign_in: SignIn) -> None:
    galina = await sign_in("galina@example.ru")
    _, page = await galina.get("/ui/admin/staff")
    assert f'action="/ui/admin/staff/{seeded.other_manager_id}/zone"' in page
    await galina.post(f"/ui/admin/staff/{seeded.other_manager_id}/zone", {"timezone": "Asia/Irkutsk"})
    assert await _zone(seeded, seeded.other_manager_id) == "Asia/Irkutsk"
    _, page = await galina.get("/ui/admin/staff")
    assert '<option value="Asia/Irkutsk" selected>Иркутск (UTC+08:00)</option>' in page
    anna = await sign_in("anna@example.ru")
    refused = await anna.post(
        f"/ui/admin/staff/{seeded.other_manager_id}/zone", {"timezone": "Europe/Moscow"}
    )
    assert refused.status == 403 and await _zone(seeded, seeded.other_manager_id) == "Asia/Irkutsk"
