"""Templates read from the loopback Graph API: every page, only approved ones, the body's parameters counted
(positional and named), a template okno cannot fill marked so, and Meta's refusals said plainly; then sent
with the right parameters, and a wrong count refused by the stand-in as Meta refuses it."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from channels.base import AccountView, SendFailed
from channels.whatsapp.directives import template_directive
from channels.whatsapp.send import WhatsAppSender
from channels.whatsapp.templates import (
    Synced,
    Template,
    TemplateSyncError,
    fetch_templates,
    known,
    synced,
)
from intake.schema import OutboundMessage
from sandbox.whatsapp import GraphApiStandIn
from tests.channels.whatsapp.conftest import account_of
from tests.channels.whatsapp.template_list import TEMPLATE_LIST


def with_waba(graph: GraphApiStandIn, waba_id: str | None = None, token: str | None = None) -> AccountView:
    view = account_of(graph)
    return AccountView(
        view.channel,
        view.name,
        {**view.config, "waba_id": waba_id or graph.waba_id},
        {**view.secrets, "access_token": token or graph.access_token},
    )


async def test_two_pages_approved_only_with_their_parameters(graph: GraphApiStandIn) -> None:
    graph.template_list = TEMPLATE_LIST
    graph.template_page_size = 3  # five templates: two pages
    requests: list[str] = []

    async def trace(_s: aiohttp.ClientSession, _c: object, params: aiohttp.TraceRequestStartParams) -> None:
        requests.append(str(params.url))

    config = aiohttp.TraceConfig()
    config.on_request_start.append(trace)
    async with aiohttp.ClientSession(trace_configs=[config]) as http:
        found = await fetch_templates(with_waba(graph), session=http)
    assert len(requests) == 2 and "after=3" in requests[1]
    assert "fields=name,language,status,category,components" in requests[0].replace("%2C", ",")
    by_key = {t.key: t for t in found}
    assert sorted(by_key) == [
        "contract_scan:ru",
        "hello_world:ru",
        "invoice_ready:ru",
        "visit_reminder:en_US",
    ]
    invoice = by_key["invoice_ready:ru"]
    assert (invoice.params, invoice.named, invoice.header, invoice.usable) == (
        ("1", "2", "3"),
        False,
        "TEXT",
        True,
    )
    assert invoice.body.startswith("Здравствуйте, {{1}}! Счёт № {{2}}")
    scan = by_key["contract_scan:ru"]
    assert not scan.usable and scan.reason == "media_header" and "DOCUMENT" in scan.why()
    visit = by_key["visit_reminder:en_US"]
    assert (visit.params, visit.named, visit.usable) == (("first_name", "visit_date"), True, True)
    assert by_key["hello_world:ru"].params == ()


async def test_the_list_survives_the_accounts_config(graph: GraphApiStandIn) -> None:
    graph.template_list = TEMPLATE_LIST
    found = await fetch_templates(with_waba(graph))
    kept = Synced(datetime(2026, 11, 24, 7, 0, tzinfo=UTC), tuple(found)).as_config()
    back = synced({"templates_synced": kept})
    assert back is not None and back.items == tuple(found) and len(back.usable) == 3
    assert synced({}) is None and synced({"templates_synced": {"at": "x", "items": []}}) is None
    by = known(found)
    assert by["visit_reminder"] is by["visit_reminder:en_US"] and "nope" not in by


async def test_without_waba_id_the_setting_is_named(graph: GraphApiStandIn) -> None:
    with pytest.raises(TemplateSyncError, match=r"config\.waba_id"):
        await fetch_templates(account_of(graph))


@pytest.mark.parametrize(
    ("waba_id", "token", "said"),
    [
        ("999", None, "100 Unsupported get request. Object with ID '999'"),
        (None, "wrong", "190 Invalid OAuth"),
    ],
)
async def test_metas_refusal_is_said(
    graph: GraphApiStandIn, waba_id: str | None, token: str | None, said: str
) -> None:
    with pytest.raises(TemplateSyncError, match="Graph API refused") as refused:
        await fetch_templates(with_waba(graph, waba_id, token))
    assert said in str(refused.value)


def test_a_directive_for_named_and_positional_templates() -> None:
    visit = Template("visit_reminder", "en_US", "UTILITY", "Hello {{first_name}}", ("first_name", "d"), True)
    line = visit.directive(["Ann | Lee", "25.11"])
    assert line == "visit_reminder:en_US | first_name=Ann Lee | d=25.11"
    sent = template_directive("/template " + line)
    assert sent is not None and sent.names == ("first_name", "d") and sent.parameters == ("Ann Lee", "25.11")
    plain = template_directive("/template invoice_ready:ru | Иван | a=b c")
    assert plain is not None and plain.names == () and plain.parameters == ("Иван", "a=b c")


def outbound(text: str) -> OutboundMessage:
    return OutboundMessage(
        channel="whatsapp", account="main", conversation_key="79161234567", outbox_id=1, text=text
    )


async def test_a_synced_template_goes_out_with_its_parameters(graph: GraphApiStandIn) -> None:
    graph.template_list = TEMPLATE_LIST
    sender = WhatsAppSender(backoff_s=0.01)
    try:
        found = {t.key: t for t in await fetch_templates(with_waba(graph))}
        line = found["invoice_ready:ru"].directive(["Иван", "17", "01.12"])
        await sender.send(account_of(graph), outbound("/template " + line))
        named = found["visit_reminder:en_US"].directive(["Ann", "Monday"])
        await sender.send(account_of(graph), outbound("/template " + named))
        with pytest.raises(SendFailed) as refused:
            await sender.send(account_of(graph), outbound("/template invoice_ready:ru | Иван"))
    finally:
        await sender.close()
    first, second = (s["template"] for s in graph.sent)
    assert first["language"] == {"code": "ru"}
    assert [p["text"] for p in first["components"][0]["parameters"]] == ["Иван", "17", "01.12"]
    assert second["components"][0]["parameters"] == [
        {"type": "text", "parameter_name": "first_name", "text": "Ann"},
        {"type": "text", "parameter_name": "visit_date", "text": "Monday"},
    ]
    assert "132000" in str(refused.value.reason)
    assert graph.refused[-1]["code"] == 132000
