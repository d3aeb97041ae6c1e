"""WhatsAppSender against the loopback Graph API: what goes out, and how Meta's errors come back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from channels.base import SendFailed
from channels.whatsapp.send import WhatsAppSender
from channels.whatsapp.window import CustomerWindow
from intake.schema import AttachmentRef, OutboundMessage
from sandbox.whatsapp import GraphApiStandIn
from storage.blobs import FileBlobStore
from tests.channels.whatsapp.conftest import account_of
from tests.conftest import start_app

WA_ID = "79161234567"
INBOUND_AT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def outbound(text: str | None = "Добрый день, счёт во вложении", **extra: object) -> OutboundMessage:
    return OutboundMessage(
        channel="whatsapp",
        account="main",
        conversation_key=WA_ID,
        outbox_id=1,
        text=text,
        **extra,
    )


async def test_text_with_reply_context_and_preview(
    sender: WhatsAppSender, open_window: GraphApiStandIn
) -> None:
    result = await sender.send(
        account_of(open_window), outbound("Реквизиты: https://example.ru/pay", reply_to_key="wamid.IN1")
    )
    [sent] = open_window.sent
    assert result.platform_message_id == sent["_wamid"]
    assert sent["to"] == WA_ID and sent["type"] == "text"
    assert sent["text"] == {"preview_url": True, "body": "Реквизиты: https://example.ru/pay"}
    assert sent["context"] == {"message_id": "wamid.IN1"}


async def test_document_is_uploaded_first_then_sent_by_id(
    sender: WhatsAppSender, open_window: GraphApiStandIn
) -> None:
    files = web.Application()
    files.router.add_get("/act.pdf", _pdf)
    runner, url = await start_app(files)
    try:
        ref = AttachmentRef(kind="document", filename="Акт.pdf", mime="application/pdf", url=f"{url}/act.pdf")
        result = await sender.send(account_of(open_window), outbound("Акт за октябрь", attachments=(ref,)))
    finally:
        await runner.cleanup()
    [sent] = open_window.sent
    [media] = open_window.media.values()
    assert (media.data, media.mime, media.filename) == (PDF, "application/pdf", "Акт.pdf")
    assert sent["type"] == "document"
    assert sent["document"] == {"id": media.id, "caption": "Акт за октябрь", "filename": "Акт.pdf"}
    assert result.platform_message_id == sent["_wamid"]


PDF = b"%PDF-1.4\n% okno test\n"


async def _pdf(_request: web.Request) -> web.Response:
    return web.Response(body=PDF, content_type="application/pdf")


async def test_reaction(sender: WhatsAppSender, open_window: GraphApiStandIn) -> None:
    await sender.send(account_of(open_window), outbound("/react 👍", reply_to_key="wamid.IN1"))
    assert open_window.sent[0]["reaction"] == {"message_id": "wamid.IN1", "emoji": "👍"}


async def test_template_with_parameters_goes_outside_the_window(
    sender: WhatsAppSender, graph: GraphApiStandIn
) -> None:
    await sender.send(account_of(graph), outbound("/template okno_followup | Ирина"))
    [sent] = graph.sent
    assert sent["template"] == {
        "name": "okno_followup",
        "language": {"code": "ru"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ирина"}]}],
    }


async def test_template_parameter_mismatch_is_refused_with_metas_code(
    sender: WhatsAppSender, graph: GraphApiStandIn
) -> None:
    with pytest.raises(SendFailed) as refused:
        await sender.send(account_of(graph), outbound("/template okno_followup"))
    assert "132000" in refused.value.reason and refused.value.retry_after is None
    assert graph.refused[0]["code"] == 132000 and not graph.sent


async def test_api_window_error_maps_to_the_clear_refusal(
    sender: WhatsAppSender, graph: GraphApiStandIn
) -> None:
    with pytest.raises(SendFailed) as refused:
        await sender.send(account_of(graph), outbound())
    assert graph.refused[0]["code"] == 131047
    assert "24 часов" in refused.value.reason and "/template okno_followup" in refused.value.reason
    assert refused.value.retry_after is None


async def test_rate_limit_is_retried_with_growing_backoff(
    sender: WhatsAppSender, open_window: GraphApiStandIn
) -> None:
    open_window.fail_next = [(400, 130429), (400, 130429)]
    delays = []
    for _ in range(2):
        with pytest.raises(SendFailed) as limited:
            await sender.send(account_of(open_window), outbound())
        delays.append(limited.value.retry_after)
    assert delays == [1.0, 2.0]
    result = await sender.send(account_of(open_window), outbound())
    assert result.platform_message_id == open_window.sent[0]["_wamid"]


async def test_undeliverable_is_recorded_not_retried(
    sender: WhatsAppSender, open_window: GraphApiStandIn
) -> None:
    open_window.fail_next = [(400, 131026)]
    with pytest.raises(SendFailed) as refused:
        await sender.send(account_of(open_window), outbound())
    assert refused.value.retry_after is None and "131026" in refused.value.reason


async def test_wrong_token_is_refused(sender: WhatsAppSender, open_window: GraphApiStandIn) -> None:
    account = account_of(open_window)
    broken = type(account)(
        account.channel, account.name, account.config, {**account.secrets, "access_token": "x"}
    )
    with pytest.raises(SendFailed, match="190 Invalid OAuth access token"):
        await sender.send(broken, outbound())


@pytest.mark.parametrize(
    ("elapsed", "goes"), [(timedelta(hours=23, minutes=59), True), (timedelta(hours=24, minutes=1), False)]
)
async def test_24_hour_window(graph: GraphApiStandIn, elapsed: timedelta, goes: bool) -> None:
    graph.last_inbound[WA_ID] = datetime.now(UTC)  # Meta's side would let it through: okno decides first

    async def last_inbound(*, account: str, wa_id: str) -> datetime | None:
        return INBOUND_AT if (account, wa_id) == ("main", WA_ID) else None

    window = CustomerWindow(last_inbound, clock=lambda: INBOUND_AT + elapsed)
    sender = WhatsAppSender(window=window)
    try:
        if goes:
            await sender.send(account_of(graph), outbound())
            assert len(graph.sent) == 1
        else:
            with pytest.raises(SendFailed) as refused:
                await sender.send(account_of(graph), outbound())
            assert "/template okno_followup" in refused.value.reason and refused.value.retry_after is None
            assert graph.sent == [] and graph.refused == []  # refused before calling the API
    finally:
        await sender.close()


async def test_window_never_opened_refuses(graph: GraphApiStandIn) -> None:
    async def never(*, account: str, wa_id: str) -> datetime | None:
        return None

    sender = WhatsAppSender(window=CustomerWindow(never))
    try:
        with pytest.raises(SendFailed, match="24 часов"):
            await sender.send(account_of(graph), outbound())
    finally:
        await sender.close()


async def test_voice_from_blob_storage_goes_after_the_text(
    open_window: GraphApiStandIn, tmp_path: Path
) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    key = await blobs.put(b"OggS voice")
    sender = WhatsAppSender(blobs=blobs)
    ref = AttachmentRef(kind="voice", mime="audio/ogg", blob_key=key)
    try:
        result = await sender.send(
            account_of(open_window), outbound("Прослушайте, пожалуйста", attachments=(ref,))
        )
    finally:
        await sender.close()
    text, voice = open_window.sent
    assert text["text"]["body"] == "Прослушайте, пожалуйста" and result.platform_message_id == text["_wamid"]
    [media] = open_window.media.values()
    assert voice["audio"] == {"id": media.id} and media.data == b"OggS voice"
