"""Spam: a manager blocks the contact from the request's page; the request is cancelled, what the contact
sends later is kept but opens nothing, and a supervisor sees them listed and unblocks them."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from storage.models import AuditLog, Contact, Message, Request
from tests.web.conftest import Seeded, SignIn, inbound

pytestmark = pytest.mark.storage


async def _requests_of(seeded: Seeded, contact_id: int) -> list[Request]:
    async with seeded.live.services.db.session() as session:
        query = select(Request).where(col(Request.contact_id) == contact_id).order_by(col(Request.id))
        return list((await session.execute(query)).scalars())


async def test_a_manager_blocks_a_spammer_and_a_supervisor_unblocks_them(
    seeded: Seeded, sign_in: SignIn
) -> None:
    anna = await sign_in("anna@example.ru")
    page_url = f"/ui/requests/{seeded.own_request_id}"
    _, page = await anna.get(page_url)
    assert 'id="spam-form"' in page and 'id="unblock-form"' not in page
    assert (await anna.post(f"{page_url}/spam", {})).status == 303
    _, page = await anna.get(page_url)
    assert "Контакт заблокирован как спам, его открытые заявки отменены." in page
    assert "🚫 Контакт заблокирован как спам" in page and 'id="unblock-form"' not in page  # a manager's page
    [request] = await _requests_of(seeded, seeded.contact_ids[0])
    assert request.status == "cancelled"
    # what they send later is kept, and opens nothing: no request, not in the inbox
    await inbound(seeded.live, "e-own-spam", {"id": "own"}, "Только сегодня: скидка 90%!")
    await seeded.live.drain()
    assert [r.id for r in await _requests_of(seeded, seeded.contact_ids[0])] == [request.id]
    async with seeded.live.services.db.session() as session:
        kept = (
            await session.execute(select(Message).where(col(Message.text).contains("скидка 90%")))
        ).scalars()
        assert [m.request_id for m in kept] == [None]
        contact = await session.get(Contact, seeded.contact_ids[0])
        assert contact is not None and contact.blocked_by_id == seeded.manager_id
        actions = (await session.execute(select(AuditLog.action).where(AuditLog.entity == "contact"))).all()
        assert [a for (a,) in actions] == ["contact.block"]
    _, inbox = await anna.get("/ui/")
    assert "скидка 90%" not in inbox
    assert (await anna.post(f"/ui/contacts/{seeded.contact_ids[0]}/unblock", {})).status == 403
    assert (await anna.get("/ui/blocked"))[0] == 403
    viktor = await sign_in("viktor@example.ru")
    _, dashboard = await viktor.get("/ui/dashboard")
    assert 'href="/ui/blocked"' in dashboard
    _, listed = await viktor.get("/ui/blocked")
    row = listed.split(f'id="blocked-{seeded.contact_ids[0]}"', 1)[1].split("</tr>", 1)[0]
    assert "Ольга Смирнова" in row and "api: own" in row and "<td>1</td>" in row and "Анна" in row
    assert (await viktor.post(f"/ui/contacts/{seeded.contact_ids[0]}/unblock", {})).status == 303
    _, listed = await viktor.get("/ui/blocked")
    assert "Контакт разблокирован" in listed and "Заблокированных нет." in listed
    await inbound(seeded.live, "e-own-back", {"id": "own"}, "Извините, это был взлом. Нужна справка 2-НДФЛ.")
    await seeded.live.drain()
    assert len(await _requests_of(seeded, seeded.contact_ids[0])) == 2  # heard again
