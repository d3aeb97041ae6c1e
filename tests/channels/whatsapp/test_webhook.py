"""End to end through a running okno and the loopback Graph API: signed webhook in -> request stored ->
manager reply -> the stand-in got the send -> status webhook back -> the Outbox row updated; the handshake,
refused signatures, redelivery, the 24-hour window read from storage, and media into blob storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from sandbox.whatsapp import GraphApiStandIn
from storage.models import Attachment, ChannelAccount, Contact, Message, Outbox, RawEvent, Request
from storage.repos.accounts import add_channel_account
from tests.channels.whatsapp.conftest import ACCOUNT, WaLive
from workers import whatsapp as media_job
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage
WA_ID = "79161234567"
TEXT = {"type": "text", "text": {"body": "Добрый день! Нужен акт сверки с ООО «Ромашка» за октябрь"}}


async def count(live: WaLive, model: type, *where: Any) -> int:
    async with live.services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def outbox_row(live: WaLive, outbox_id: int) -> Outbox:
    async with live.services.db.session() as session:
        row = await session.get(Outbox, outbox_id)
        assert row is not None
        return row


async def reply_delivery(live: WaLive, outbox_id: int) -> str | None:
    """The delivery the timeline shows on the staff reply an Outbox row sent."""
    async with live.services.db.session() as session:
        row = await session.get(Outbox, outbox_id)
        assert row is not None and row.message_id is not None
        message = await session.get(Message, row.message_id)
        assert message is not None
        return message.delivery_status


async def reply(live: WaLive, text: str) -> int:
    async with live.services.db.session() as session:
        request_id = (await session.execute(select(Request.id))).scalars().one()
    outbox = await queue_reply(
        live.services.db, live.services.queue, request_id=request_id or 0, staff_id=live.staff_id, text=text
    )
    await live.drain()
    return outbox.id or 0


async def test_handshake(wa_live: WaLive) -> None:
    url = f"{wa_live.url}/whatsapp/{ACCOUNT}/webhook"
    query = {"hub.mode": "subscribe", "hub.verify_token": wa_live.verify_token, "hub.challenge": "1158201444"}
    async with wa_live.http.get(url, params=query) as resp:
        assert (resp.status, await resp.text()) == (200, "1158201444")
    async with wa_live.http.get(url, params={**query, "hub.verify_token": "wrong"}) as resp:
        assert resp.status == 403
    async with wa_live.http.get(f"{wa_live.url}/whatsapp/nobody/webhook", params=query) as resp:
        assert resp.status == 403


async def test_missing_or_wrong_signature_is_refused_and_nothing_stored(
    wa_live: WaLive, graph: GraphApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"object": "whatsapp_business_account", "entry": []}
    assert (await graph.deliver(body, signature="sha256=" + "0" * 64)).status == 403
    raw = b'{"object":"whatsapp_business_account","entry":[]}'
    async with wa_live.http.post(graph.webhook_url or "", data=raw) as resp:
        assert resp.status == 403
    altered = raw.replace(b"[]", b"[ ]")
    headers = {"X-Hub-Signature-256": graph.sign(raw)}
    async with wa_live.http.post(graph.webhook_url or "", data=altered, headers=headers) as resp:
        assert resp.status == 403
    assert await count(wa_live, RawEvent) == 0 and await count(wa_live, Message) == 0
    assert "refused: wrong signature" in caplog.text and "refused: missing signature" in caplog.text


async def test_message_in_reply_out_statuses_back(wa_live: WaLive, graph: GraphApiStandIn) -> None:
    inbound = await graph.client_writes(WA_ID, "Ирина Соколова", TEXT)
    assert graph.deliveries[-1].status == 200
    await wa_live.drain()
    async with wa_live.services.db.session() as session:
        message = (await session.execute(select(Message))).scalars().one()
        contact = await session.get(Contact, message.author_contact_id)
    assert message.message_key == inbound and message.request_id is not None
    assert contact is not None and (contact.phone, contact.display_name) == ("+79161234567", "Ирина Соколова")

    outbox_id = await reply(wa_live, "Здравствуйте! Акт пришлём сегодня до 18:00.")
    [sent] = graph.sent
    assert sent["to"] == WA_ID and sent["context"] == {"message_id": inbound}
    row = await outbox_row(wa_live, outbox_id)
    assert (row.status, row.platform_message_id) == ("sent", sent["_wamid"])

    assert await reply_delivery(wa_live, outbox_id) == "sent"
    for status in ("delivered", "read"):
        assert (await graph.report_status(sent["_wamid"], status)).status == 200
        await wa_live.drain()
        assert (await outbox_row(wa_live, outbox_id)).status == status
        # the status names the wamid; the staff's reply on the timeline is the Outbox row's message
        assert await reply_delivery(wa_live, outbox_id) == status


async def test_failed_status_records_the_reason(wa_live: WaLive, graph: GraphApiStandIn) -> None:
    await graph.client_writes(WA_ID, "Ирина", TEXT)
    await wa_live.drain()
    outbox_id = await reply(wa_live, "Ответ")
    errors = [
        {
            "code": 131026,
            "title": "Message undeliverable",
            "error_data": {"details": "Message Undeliverable."},
        }
    ]
    await graph.report_status(graph.sent[0]["_wamid"], "failed", errors=errors)
    await wa_live.drain()
    row = await outbox_row(wa_live, outbox_id)
    assert row.status == "failed" and row.last_error == "131026 Message undeliverable: Message Undeliverable."
    assert await reply_delivery(wa_live, outbox_id) == "failed"


async def test_redelivery_changes_nothing(wa_live: WaLive, graph: GraphApiStandIn) -> None:
    await graph.client_writes(WA_ID, "Ирина", TEXT)
    await graph.deliver(graph.deliveries[-1].body)
    await wa_live.drain()
    assert await count(wa_live, Message) == 1 and await count(wa_live, RawEvent) == 2


async def test_rate_limit_is_retried_through_the_outbox(wa_live: WaLive, graph: GraphApiStandIn) -> None:
    await graph.client_writes(WA_ID, "Ирина", TEXT)
    await wa_live.drain()
    graph.fail_next = [(400, 130429)]
    outbox_id = await reply(wa_live, "Ответ после паузы")
    row = await outbox_row(wa_live, outbox_id)
    assert (row.status, row.attempts, len(graph.sent)) == ("sent", 2, 1)
    assert graph.refused[0]["code"] == 130429


@pytest.mark.parametrize(
    ("ago", "goes"), [(timedelta(hours=23, minutes=59), True), (timedelta(hours=24, minutes=1), False)]
)
async def test_24_hour_window_from_storage(
    wa_live: WaLive, graph: GraphApiStandIn, ago: timedelta, goes: bool
) -> None:
    written = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    await graph.client_writes(WA_ID, "Ирина", TEXT, at=written)
    graph.last_inbound[WA_ID] = datetime.now(UTC)  # Meta would accept: the refusal must be okno's own
    await wa_live.drain()
    wa_live.now = written + ago
    outbox_id = await reply(wa_live, "Свободный текст")
    row = await outbox_row(wa_live, outbox_id)
    if goes:
        assert row.status == "sent" and len(graph.sent) == 1
        return
    assert row.status == "failed" and graph.sent == [] and graph.refused == []
    assert row.last_error is not None and "/template okno_followup" in row.last_error


async def test_client_media_goes_to_blob_storage(
    wa_live: WaLive, graph: GraphApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media_job, "RETRY_BASE_S", 0.01)
    pdf = b"%PDF-1.4 akt sverki"
    item = graph.add_media(pdf, "application/pdf", "akt.pdf")
    document = {"id": item.id, "mime_type": "application/pdf", "filename": "akt.pdf", "sha256": "x"}
    graph.download_failures = 1  # the first download fails and is retried
    await graph.client_writes(WA_ID, "Ирина", {"type": "document", "document": document})
    await wa_live.drain()  # ingest asks for the file (fetch_attachments follow-up): no sweep needed
    async with wa_live.services.db.session() as session:
        attachment = (await session.execute(select(Attachment))).scalars().one()
    assert attachment.platform_ref == item.id and attachment.filename == "akt.pdf"
    assert attachment.blob_sha256 is not None and attachment.size == len(pdf) and graph.downloads == 2
    assert await wa_live.services.jobs.blobs.get(attachment.blob_sha256) == pdf


async def test_expired_media_is_kept_as_a_reference(wa_live: WaLive, graph: GraphApiStandIn) -> None:
    document = {"id": "999", "mime_type": "application/pdf", "filename": "lost.pdf"}
    await graph.client_writes(WA_ID, "Ирина", {"type": "document", "document": document})
    await wa_live.drain()
    await wa_live.services.queue.enqueue(media_job.SWEEP_JOB, job_id="sweep-2")
    await wa_live.drain()
    assert await count(wa_live, Attachment, col(Attachment.platform_ref) == "999") == 1
    assert await count(wa_live, Attachment, col(Attachment.blob_sha256).is_not(None)) == 0


async def test_each_number_checks_its_own_app_secret(wa_live: WaLive, graph: GraphApiStandIn) -> None:
    async with wa_live.services.db.session() as session:
        await add_channel_account(
            session,
            box=wa_live.services.box,
            channel="whatsapp",
            name="second",
            config={"phone_number_id": "200000000000001"},
            secrets={"access_token": "t2", "app_secret": "another-secret", "verify_token": "v2"},
        )
        await session.commit()
    await wa_live.services.accounts.refresh()
    graph.webhook_url = f"{wa_live.url}/whatsapp/second/webhook"
    assert (await graph.client_writes(WA_ID, "Ирина", TEXT)) and graph.deliveries[-1].status == 403
    graph.app_secret = "another-secret"
    await graph.client_writes(WA_ID, "Ирина", TEXT)
    assert graph.deliveries[-1].status == 200
    await wa_live.drain()
    async with wa_live.services.db.session() as session:
        accounts = (await session.execute(select(Message.account))).scalars().all()
    assert accounts == ["second"]


@pytest.mark.parametrize("enabled", [True, False])
async def test_mark_read_when_a_manager_opens_it(
    wa_live: WaLive, graph: GraphApiStandIn, enabled: bool
) -> None:
    if enabled:
        async with wa_live.services.db.session() as session:
            row = (await session.execute(select(ChannelAccount))).scalars().one()
            row.config = {**row.config, "mark_read": True}
            await session.commit()
        await wa_live.services.accounts.refresh()
    wamid = await graph.client_writes(WA_ID, "Ирина", TEXT)
    await wa_live.drain()
    async with wa_live.services.db.session() as session:
        message_id = (await session.execute(select(Message.id))).scalars().one()
    await wa_live.services.queue.enqueue("whatsapp_mark_read", message_id, job_id=f"read:{message_id}")
    await wa_live.drain()
    assert graph.marked_read == ([wamid] if enabled else [])
