"""Viber takes a file only by a public link, and a manager's upload is only in okno: the reply is refused
before anything reaches Viber (no half-sent text), with a reason the manager reads on the timeline."""

from __future__ import annotations

import pytest
from sqlmodel import select

from intake.schema import AttachmentRef
from sandbox.viber import ViberApiStandIn
from storage.models import Message, Outbox, Request
from tests.channels.viber.conftest import VbLive
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage
USER = "R8nC6u6Yh0XkHtwjvQ0xqg=="


async def test_an_uploaded_file_is_refused_with_the_reason(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    await viber.client_writes(USER, "Ирина", {"type": "text", "text": "Пришлите акт сверки"})
    await vb_live.drain()
    async with vb_live.services.db.session() as session:
        request_id = (await session.execute(select(Request.id))).scalars().one()
    key = await vb_live.services.jobs.blobs.put(b"%PDF-1.4 akt")
    act = AttachmentRef(
        kind="document", filename="Акт сверки.pdf", mime="application/pdf", size=12, blob_key=key
    )
    outbox = await queue_reply(
        vb_live.services.db,
        vb_live.services.queue,
        request_id=request_id or 0,
        staff_id=vb_live.staff_id,
        text="Акт во вложении",
        attachments=(act,),
    )
    await vb_live.drain()
    assert viber.sent == []
    async with vb_live.services.db.session() as session:
        row = await session.get(Outbox, outbox.id)
        message = await session.get(Message, outbox.message_id)
    assert row is not None and row.status == "failed" and row.attempts == 1  # not retried: it cannot help
    assert row.last_error == (
        "Viber берёт файлы только по публичной ссылке, а файл «Акт сверки.pdf» есть только в okno: "
        "отправьте его по другому каналу"
    )
    assert message is not None and message.delivery_status == "failed"
