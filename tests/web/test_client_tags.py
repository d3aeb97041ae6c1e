"""Tags on the client card: whoever may open the card adds one (offered the company's tags) and takes one
off; a manager who may not open the client can do neither, as they cannot open the card."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from storage.models import AuditLog, Client, ClientTag, Request
from storage.repos.client_tags import add_tag
from storage.repos.clients import add_client
from tests.web.conftest import Seeded, SignIn

pytestmark = pytest.mark.storage


def _tags(page: str) -> list[str]:
    """The tags the card shows, as written."""
    block = page.split('id="tags"', 1)[1].split('id="tag-form"', 1)[0]
    return re.findall(r'<span class="tag" data-tag="[^"]*">([^<]+)<', block)


async def test_a_manager_adds_and_removes_tags_on_the_card(seeded: Seeded, sign_in: SignIn) -> None:
    async with seeded.live.services.db.session() as session:
        other = await add_client(session, name="ИП Сидоров", inn=None)
        await add_tag(session, client_id=other.id or 0, tag="VIP", staff_id=None)
        await session.commit()
    card = f"/ui/clients/{seeded.client_id}"
    anna = await sign_in("anna@example.ru")
    status, page = await anna.get(card)
    assert status == 200 and _tags(page) == [] and "Метки:" in page
    # the input offers the company's tags
    assert 'list="company-tags"' in page
    assert '<datalist id="company-tags"><option value="VIP"></datalist>' in page
    assert (await anna.post(f"{card}/tags", {"tag": "  УСН "})).status == 303
    assert (await anna.post(f"{card}/tags", {"tag": "усн"})).status == 303  # the same tag: nothing more
    assert (await anna.post(f"{card}/tags", {"tag": "vip"})).status == 303  # the company's, its spelling
    _, page = await anna.get(card)
    assert _tags(page) == ["VIP", "УСН"]
    assert '<option value="VIP"><option value="УСН">' in page
    for tag, notice in (("   ", "Напишите метку."), ("я" * 41, "Метка — не длиннее 40 знаков.")):
        resp = await anna.post(f"{card}/tags", {"tag": tag})
        assert resp.status == 303
        _, page = await anna.get(card)
        assert notice in page and _tags(page) == ["VIP", "УСН"]
    # the ×: off this client only
    assert 'name="tag" value="усн"' in page
    assert (await anna.post(f"{card}/tags/remove", {"tag": "усн"})).status == 303
    _, page = await anna.get(card)
    assert _tags(page) == ["VIP"]
    async with seeded.live.services.db.session() as session:
        rows = (await session.execute(select(ClientTag).order_by(col(ClientTag.client_id)))).scalars().all()
        audited = (
            await session.execute(
                select(AuditLog.action, AuditLog.actor_id, AuditLog.details)
                .where(col(AuditLog.entity_id) == seeded.client_id, col(AuditLog.entity) == "client")
                .order_by(col(AuditLog.id))
            )
        ).all()
    assert [(r.client_id, r.tag) for r in rows] == [(seeded.client_id, "VIP"), (other.id, "VIP")]
    anna_id = seeded.manager_id
    assert [tuple(a) for a in audited] == [
        ("client.tag", anna_id, {"tag": "УСН"}),
        ("client.tag", anna_id, {"tag": "VIP"}),
        ("client.untag", anna_id, {"tag": "УСН"}),
    ]
    # without the session's token nothing changes
    assert (await anna.post(f"{card}/tags", {"tag": "дилер"}, csrf=False)).status == 403
    # English too
    assert (await anna.post("/ui/profile/language", {"language": "en"})).status == 303
    _, page = await anna.get(card)
    assert "Tags:" in page and "Add the tag" in page


async def test_a_manager_who_may_not_open_the_client_cannot_tag_it(seeded: Seeded, sign_in: SignIn) -> None:
    async with seeded.live.services.db.session() as session:
        client = await session.get(Client, seeded.client_id)
        assert client is not None
        client.responsible_staff_id = seeded.manager_id  # Анна's client, both its requests hers
        for request_id in (seeded.own_request_id, seeded.unassigned_request_id):
            request = await session.get(Request, request_id)
            assert request is not None
            request.assignee_id = seeded.manager_id
        await add_tag(session, client_id=seeded.client_id, tag="VIP", staff_id=None)
        await session.commit()
    card = f"/ui/clients/{seeded.client_id}"
    boris = await sign_in("boris@example.ru")
    assert (await boris.get(card))[0] == 404
    await boris.get("/ui/")  # a page for the session's token
    assert (await boris.post(f"{card}/tags", {"tag": "должник"})).status == 404
    assert (await boris.post(f"{card}/tags/remove", {"tag": "vip"})).status == 404
    async with seeded.live.services.db.session() as session:
        tags = (await session.execute(select(ClientTag.key))).scalars().all()
    assert tags == ["vip"]
    viktor = await sign_in("viktor@example.ru")  # a supervisor opens every client
    _, page = await viktor.get(card)
    assert _tags(page) == ["VIP"]


async def test_the_inbox_narrows_to_the_clients_with_a_tag(seeded: Seeded, sign_in: SignIn) -> None:
    async with seeded.live.services.db.session() as session:
        await add_tag(session, client_id=seeded.client_id, tag="VIP", staff_id=None)
        await session.commit()
    boss = await sign_in("viktor@example.ru")

    async def shown(query: str) -> set[int]:
        pages = [(await boss.get(f"/ui/?queue={q}{query}"))[1] for q in ("unanswered", "in_work")]
        return {int(i) for i in re.findall(r'data-request="(\d+)"', "".join(pages))}

    everyone = {seeded.own_request_id, seeded.unassigned_request_id, seeded.others_request_id}
    assert await shown("") == everyone
    _, page = await boss.get("/ui/?tag=vip")
    assert '<select name="tag">' in page and '<option value="vip" selected>VIP</option>' in page
    ours = {seeded.own_request_id, seeded.unassigned_request_id}  # Ромашка's; Ирина's is nobody's client
    assert await shown("&tag=vip") == await shown("&tag=%20Vip") == ours
    assert await shown("&tag=" + "я" * 41) == everyone  # not a tag at all: no filter
    assert await shown("&tag=опт") == set()
