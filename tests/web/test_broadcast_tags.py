"""«Только клиентам с меткой» on the broadcasts form: the company's tags offered with their counts, the
preview counting only those clients and saying so, the tag carried by «Изменить», by the sending and by
«Изменить рассылку»; a tag no client has is refused with the form kept."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from storage.models import Broadcast, Request
from storage.repos.client_tags import add_tag
from storage.repos.clients import add_client, link_contact_to_client
from tests.web.conftest import Seeded, SignIn
from tests.web.test_broadcasts import _form, _later, _telegram_client

pytestmark = pytest.mark.storage


async def _tagged(seeded: Seeded) -> None:
    """Ольга is ИП Сидоров's, tagged «УСН»; Пётр is nobody's; the seeded Ромашка (API clients) is «VIP»."""
    olga = await _telegram_client(seeded, "701", "Ольга")
    await _telegram_client(seeded, "702", "Пётр")
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, olga)
        assert request is not None
        client = await add_client(session, name="ИП Сидоров", inn=None)
        await link_contact_to_client(session, contact_id=request.contact_id, client_id=client.id or 0)
        await add_tag(session, client_id=client.id or 0, tag="УСН", staff_id=None)
        await add_tag(session, client_id=seeded.client_id, tag="VIP", staff_id=None)
        await session.commit()


def _options(page: str) -> list[tuple[str, str]]:
    select_ = page.split('<select name="tag">', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)"( selected)?>', select_)


async def test_a_broadcast_goes_only_to_the_clients_with_the_tag(seeded: Seeded, sign_in: SignIn) -> None:
    await _tagged(seeded)
    viktor = await sign_in("viktor@example.ru")
    _, page = await viktor.get("/ui/broadcasts")
    assert "Только клиентам с меткой" in page and ">УСН (1)</option>" in page and ">VIP (1)</option>" in page
    assert _options(page) == [("", ""), ("vip", ""), ("усн", "")]
    preview = await (await viktor.post("/ui/broadcasts/preview", _form(tag="усн"))).text()
    assert "Получат 1:" in preview and "Только клиентам с меткой «УСН»" in preview
    assert "<strong>Ольга</strong>" in preview and "Пётр" not in preview
    assert preview.count('name="tag" value="усн"') == 2  # the send form's and «Изменить»'s
    edited = await (await viktor.post("/ui/broadcasts/edit", _form(tag="усн"))).text()
    assert _options(edited) == [("", ""), ("vip", ""), ("усн", " selected")]
    # a tag nobody has: refused, the choice kept to be changed
    resp = await viktor.post("/ui/broadcasts/preview", _form(tag="опт"))
    body = await resp.text()
    assert resp.status == 422 and "Метки «опт» нет ни у одного клиента" in body
    assert ("опт", " selected") in _options(body)
    # scheduled, then changed from its page: the tag is kept all the way
    form = _form(tag="усн", send_at=_later())
    preview = await (await viktor.post("/ui/broadcasts/preview", form)).text()
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    resp = await viktor.post("/ui/broadcasts", [*form, ("key", key.group(1))])
    assert resp.status == 303
    _, page = await viktor.get(resp.headers["Location"])
    assert 'id="broadcast-tag">Только клиентам с меткой «УСН»' in page
    async with seeded.live.services.db.session() as session:
        [row] = (await session.execute(select(Broadcast))).scalars().all()
    assert row.audience["tag"] == "усн"
    status, filled = await viktor.get(f"/ui/broadcasts/{row.id}/change")
    assert status == 200 and ("усн", " selected") in _options(filled)
    text = "{имя}, декларация по УСН — до 25 апреля."
    changed = _form(text=text, tag="усн", send_at=_later(), edit_of=str(row.id))
    preview = await (await viktor.post("/ui/broadcasts/preview", changed)).text()
    assert "Получат 1:" in preview and preview.count('name="tag" value="усн"') == 2
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    assert (await viktor.post("/ui/broadcasts", [*changed, ("key", key.group(1))])).status == 303
    async with seeded.live.services.db.session() as session:
        [edited_row] = (await session.execute(select(Broadcast))).scalars().all()
    assert edited_row.text == text and edited_row.audience["tag"] == "усн"
    # English too
    assert (await viktor.post("/ui/profile/language", {"language": "en"})).status == 303
    _, page = await viktor.get(f"/ui/broadcasts/{row.id}")
    assert "Only to the clients tagged «УСН»" in page
