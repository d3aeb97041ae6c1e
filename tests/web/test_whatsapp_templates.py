"""WhatsApp templates synced from Meta in the web: the admin's «Обновить шаблоны» on the channels page, and
the request page's picker offering each usable template with its text and one input per parameter, a wrong
count refused before anything is queued."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from sandbox.whatsapp import GraphApiStandIn
from storage.models import AuditLog, ChannelAccount, Outbox
from tests.channels.whatsapp.template_list import TEMPLATE_LIST
from tests.conftest import start_app
from tests.web.conftest import Seeded, SignIn, whatsapp_request


@pytest.fixture
async def graph() -> AsyncIterator[GraphApiStandIn]:
    stand_in = GraphApiStandIn(access_token=secrets.token_urlsafe(24), app_secret=secrets.token_hex(16))
    stand_in.template_list, stand_in.template_page_size = TEMPLATE_LIST, 2
    runner, url = await start_app(stand_in.app())
    stand_in.base_url = url
    yield stand_in
    await runner.cleanup()


async def synced_request(seeded: Seeded, graph: GraphApiStandIn, sign_in: SignIn) -> int:
    """A closed-window WhatsApp request on a number whose templates the admin has just synced."""
    config = {"phone_number_id": graph.phone_number_id, "graph_url": graph.base_url, "waba_id": graph.waba_id}
    request_id = await whatsapp_request(seeded.live, config, {"access_token": graph.access_token})
    admin = await sign_in("galina@example.ru")
    _, page = await admin.get("/ui/admin/channels")
    account_id = re.findall(r'action="/ui/admin/channels/(\d+)/templates"', page)[0]
    assert (await admin.post(f"/ui/admin/channels/{account_id}/templates", {})).status == 303
    return request_id


async def test_admin_updates_a_numbers_templates(
    seeded: Seeded, sign_in: SignIn, graph: GraphApiStandIn
) -> None:
    config = {"phone_number_id": graph.phone_number_id, "graph_url": graph.base_url, "waba_id": graph.waba_id}
    await whatsapp_request(seeded.live, config, {"access_token": "stale"})
    admin, boss = await sign_in("galina@example.ru"), await sign_in("viktor@example.ru")
    _, page = await admin.get("/ui/admin/channels")
    account_id = int(re.findall(r'action="/ui/admin/channels/(\d+)/templates"', page)[0])
    assert "Обновить шаблоны" in page and "ещё не загружены" in page
    path = f"/ui/admin/channels/{account_id}/templates"
    await boss.get("/ui/")
    assert (await boss.post(path, {})).status == 403
    assert (await admin.post(path, {})).status == 303  # Meta refuses the stale token: said, nothing kept
    _, page = await admin.get("/ui/admin/channels")
    assert "Шаблоны не обновлены:" in page and "190 Invalid OAuth access token" in page
    async with seeded.live.services.db.session() as session:
        account = await session.get(ChannelAccount, account_id)
        assert account is not None
        account.secrets_encrypted = seeded.live.services.box.seal({"access_token": graph.access_token})
        await session.commit()
    assert (await admin.post(path, {})).status == 303
    _, page = await admin.get("/ui/admin/channels")
    assert "Шаблоны обновлены: одобренных 4, можно отправить 3" in page
    assert "4 одобренных, можно отправить 3; обновлены" in page
    assert "templates_synced" not in page and "Здравствуйте, {{1}}" not in page  # a count, not the JSON
    async with seeded.live.services.db.session() as session:
        audit = (
            (await session.execute(select(AuditLog).where(col(AuditLog.action) == "channel.templates")))
            .scalars()
            .one()
        )
    assert audit.actor_id == seeded.admin_id and audit.details["usable"] == 3


def forms(page: str) -> dict[str, str]:
    return dict(re.findall(r'<form[^>]*data-template="([^"]+)">(.*?)</form>', page, re.DOTALL))


async def test_the_picker_offers_synced_templates_with_their_inputs(
    seeded: Seeded, sign_in: SignIn, graph: GraphApiStandIn
) -> None:
    request_id = await synced_request(seeded, graph, sign_in)
    anna = await sign_in("anna@example.ru")
    _, page = await anna.get(f"/ui/requests/{request_id}")
    offered = forms(page)
    assert list(offered) == ["invoice_ready:ru", "visit_reminder:en_US", "hello_world:ru"]  # no media header
    invoice = offered["invoice_ready:ru"]
    assert "Здравствуйте, {{1}}! Счёт № {{2}} готов, оплатите до {{3}}." in invoice
    assert invoice.count('name="param"') == 3 and offered["hello_world:ru"].count('name="param"') == 0
    assert "{{first_name}}" in offered["visit_reminder:en_US"]

    reply = f"/ui/requests/{request_id}/reply"
    short = [("template", "invoice_ready:ru"), ("param", "Иван"), ("param", "17"), ("param", "")]
    assert (await anna.post(reply, short)).status == 303
    _, page = await anna.get(f"/ui/requests/{request_id}")
    assert "Шаблону «invoice_ready» нужно параметров: 3, заполнено: 2. Ничего не отправлено." in page
    typed = {"template": "okno_followup", "template_params": "Иван"}  # not among the synced: refused
    assert (await anna.post(reply, typed)).status == 303
    async with seeded.live.services.db.session() as session:
        assert (await session.execute(select(Outbox))).scalars().all() == []

    full = [("template", "invoice_ready:ru"), ("param", "Иван"), ("param", "17"), ("param", "01.12")]
    assert (await anna.post(reply, full)).status == 303
    named = [("template", "visit_reminder:en_US"), ("param", "Ann"), ("param", "Monday")]
    assert (await anna.post(reply, named)).status == 303
    async with seeded.live.services.db.session() as session:
        sent = (await session.execute(select(Outbox).order_by(col(Outbox.id)))).scalars().all()
    assert [o.payload["text"] for o in sent] == [
        "/template invoice_ready:ru | Иван | 17 | 01.12",
        "/template visit_reminder:en_US | first_name=Ann | visit_date=Monday",
    ]


async def test_the_broadcast_form_offers_synced_templates_and_checks_the_count(
    seeded: Seeded, sign_in: SignIn, graph: GraphApiStandIn
) -> None:
    await synced_request(seeded, graph, sign_in)  # Степан, past the window, on the synced number
    viktor = await sign_in("viktor@example.ru")
    _, page = await viktor.get("/ui/broadcasts")
    options = re.findall(r'<option value="([^"]+)" title="[^"]*">', page)
    assert options == ["invoice_ready:ru", "visit_reminder:en_US", "hello_world:ru"]
    assert 'name="whatsapp_template"' in page  # the free field stays, for numbers never synced

    def form(pick: str, typed: str) -> list[tuple[str, str]]:
        fields = {"text": "{имя}, добрый день", "subject": "", "since_days": "30", "team": ""}
        return [
            *fields.items(),
            ("whatsapp_template", typed),
            ("whatsapp_template_pick", pick),
            ("channels", "whatsapp"),
        ]

    short = await viktor.post("/ui/broadcasts/preview", form("invoice_ready:ru", "{имя} | 17"))
    assert short.status == 422
    assert "Шаблону WhatsApp нужно другое число параметров (invoice_ready:ru: 3)" in await short.text()
    typed = await viktor.post("/ui/broadcasts/preview", form("", "invoice_ready:ru | {имя}"))
    assert typed.status == 422  # typed by hand, the synced template is checked all the same
    preview = await (
        await viktor.post("/ui/broadcasts/preview", form("invoice_ready:ru", "{имя} | 17 | 01.12"))
    ).text()
    assert "Получат 1:" in preview and "/template invoice_ready:ru | Степан | 17 | 01.12" in preview
    assert 'name="whatsapp_template_pick" value="invoice_ready:ru"' in preview  # carried to «Отправить»
    named = await (
        await viktor.post("/ui/broadcasts/preview", form("visit_reminder:en_US", "{имя} | 25.11"))
    ).text()
    assert "/template visit_reminder:en_US | first_name=Степан | visit_date=25.11" in named
