"""A member's own language in the web: chosen in the profile, it holds at every sign-in (and the staff bot
reads the same setting); the top bar's switch still changes one session only."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from storage.models import AuditLog, Staff
from tests.web.conftest import Seeded, SignIn

pytestmark = pytest.mark.storage


async def test_the_profile_language_holds_at_every_sign_in(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    _, page = await anna.get("/ui/profile")
    assert 'id="language-form"' in page and ">Входящие<" in page
    assert (await anna.post("/ui/profile/language", {"language": "fr"})).status == 400
    assert (await anna.post("/ui/profile/language", {"language": "en"})).status == 303
    _, page = await anna.get("/ui/profile")
    assert "Language saved." in page and ">Inbox<" in page
    async with seeded.live.services.db.session() as session:
        member = await session.get(Staff, seeded.manager_id)
        assert member is not None and member.language == "en"
        logged = await session.execute(select(AuditLog).where(col(AuditLog.action) == "staff.language"))
        assert [r.details for r in logged.scalars()] == [{"language": "en"}]
    again = await sign_in("anna@example.ru")  # another device, another day
    _, inbox = await again.get("/ui/")
    assert ">Inbox<" in inbox
    _, russian = await again.get("/ui/?lang=ru")  # this session only
    assert ">Входящие<" in russian
    boris = await sign_in("boris@example.ru")
    assert ">Входящие<" in (await boris.get("/ui/"))[1]  # the company's, for everyone else
    await anna.get("/ui/profile")
    await anna.post("/ui/profile/language", {"language": ""})
    assert ">Входящие<" in (await anna.get("/ui/"))[1]


async def test_the_admin_sets_a_members_language_on_the_staff_page(seeded: Seeded, sign_in: SignIn) -> None:
    galina = await sign_in("galina@example.ru")
    _, page = await galina.get("/ui/admin/staff")
    assert f'id="language-{seeded.manager_id}"' in page
    path = f"/ui/admin/staff/{seeded.manager_id}/language"
    assert (await galina.post(path, {"language": "fr"})).status == 400
    assert (await galina.post(path, {"language": "en"})).status == 303
    _, page = await galina.get("/ui/admin/staff")
    assert ">Входящие<" in page  # the admin's own pages stay in the company's language
    assert (
        '<option value="en" selected>English</option>' in page.split(f'id="language-{seeded.manager_id}"')[1]
    )
    anna = await sign_in("anna@example.ru")
    assert ">Inbox<" in (await anna.get("/ui/"))[1]  # at her next sign-in
    async with seeded.live.services.db.session() as session:
        logged = await session.execute(select(AuditLog).where(col(AuditLog.action) == "staff.language"))
        [entry] = logged.scalars()
    assert (entry.entity_id, entry.actor_id, entry.details) == (
        seeded.manager_id,
        seeded.admin_id,
        {"language": "en"},
    )
    assert (await anna.post(path, {"language": "ru"})).status == 403  # a manager sets only their own
    assert (await galina.post("/ui/admin/staff/9999/language", {"language": "en"})).status == 404
