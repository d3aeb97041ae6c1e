"""A manager's file, kept in okno's blob storage, reaches a WhatsApp client through the Outbox: uploaded to
the Graph API stand-in first, then sent by its media id with the reply's text as its caption."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from intake.schema import AttachmentRef
from sandbox.whatsapp import GraphApiStandIn
from storage.models import Attachment, Outbox, Request
from tests.channels.whatsapp.conftest import WaLive
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage
WA_ID = "79161234567"
PDF = b"%PDF-1.4\n% akt sverki\n" + bytes(range(256)) * 16


async def test_an_uploaded_file_reaches_the_whatsapp_client(wa_live: WaLive, graph: GraphApiStandIn) -> None:
    await graph.client_writes(WA_ID, "Ирина Соколова", {"type": "text", "text": {"body": "Пришлите акт"}})
    await wa_live.drain()
    async with wa_live.services.db.session() as session:
        request_id = (await session.execute(select(Request.id))).scalars().one()
    key = await wa_live.services.jobs.blobs.put(PDF)
    ref = AttachmentRef(
        kind="document", filename="Акт сверки.pdf", mime="application/pdf", size=len(PDF), blob_key=key
    )
    outbox = await queue_reply(
        wa_live.services.db,
        wa_live.services.queue,
        request_id=request_id or 0,
        staff_id=wa_live.staff_id,
        text="Акт во вложении",
        attachments=(ref,),
    )
    await wa_live.drain()
    [sent] = graph.sent
    [media] = graph.media.values()
    assert (media.data, media.mime, media.filename) == (PDF, "application/pdf", "Акт сверки.pdf")
    assert sent["document"] == {"id": media.id, "caption": "Акт во вложении", "filename": "Акт сверки.pdf"}
    async with wa_live.services.db.session() as session:
        row = await session.get(Outbox, outbox.id)
        files = (
            (await session.execute(select(Attachment).where(col(Attachment.message_id) == outbox.message_id)))
            .scalars()
            .all()
        )
    assert row is not None and row.status == "sent"
    assert [(a.filename, a.blob_sha256, a.size) for a in files] == [("Акт сверки.pdf", key, len(PDF))]
