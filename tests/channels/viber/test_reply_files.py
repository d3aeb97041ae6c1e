"""Viber takes a file only by a public link. With okno's public address set, a manager's files go by signed,
expiring links Viber fetches (a picture Viber cannot show inline goes as a file); without it the reply is
refused before anything reaches Viber (no half-sent text), with a reason the manager reads on the
timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from intake.schema import AttachmentRef
from sandbox.viber import ViberApiStandIn
from storage.models import Message, Outbox, Request
from storage.types import utcnow
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
        "Viber берёт файлы только по публичной ссылке, а у okno нет публичного адреса для файла «Акт "
        "сверки.pdf»: задайте OKNO_HTTP__PUBLIC_URL или отправьте файл по другому каналу"
    )
    assert message is not None and message.delivery_status == "failed"


async def test_files_go_by_signed_links_viber_fetches(vb_public: VbLive, viber: ViberApiStandIn) -> None:
    await viber.client_writes(USER, "Ирина", {"type": "text", "text": "Пришлите акт сверки и скан"})
    await vb_public.drain()
    async with vb_public.services.db.session() as session:
        request_id = (await session.execute(select(Request.id))).scalars().one()
    pdf, scan = b"%PDF-1.4 akt " + bytes(range(256)) * 8, b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 1)
    blobs = vb_public.services.jobs.blobs
    act = AttachmentRef(
        kind="document", filename="Акт сверки.pdf", mime="application/pdf", size=len(pdf),
        blob_key=await blobs.put(pdf),
    )  # fmt: skip
    big = AttachmentRef(
        kind="image", filename="скан.png", mime="image/png", size=len(scan), blob_key=await blobs.put(scan)
    )
    outbox = await queue_reply(
        vb_public.services.db,
        vb_public.services.queue,
        request_id=request_id or 0,
        staff_id=vb_public.staff_id,
        text="Акт и скан во вложении",
        attachments=(act, big),
    )
    await vb_public.drain()
    text, document, picture = viber.sent
    assert (text["type"], text["text"]) == ("text", "Акт и скан во вложении")
    assert (document["type"], document["file_name"], document["size"]) == ("file", "Акт сверки.pdf", len(pdf))
    # over Viber's 1 MB for a picture: it goes as a file, still with its name
    assert (picture["type"], picture["file_name"]) == ("file", "скан.png")
    for body, data, mime in ((document, pdf, "application/pdf"), (picture, scan, "image/png")):
        assert body["media"].startswith(vb_public.url + "/files/")
        assert viber.fetched[body["media"]] == (200, data, mime)
    async with vb_public.services.db.session() as session:
        row = await session.get(Outbox, outbox.id)
    assert row is not None and row.status == "sent"
    # the link opens that file under that name only, and not once it expires
    link = document["media"]
    async with vb_public.http.get(link.replace("%D0%90%D0%BA%D1%82", "%D0%90%D0%BA%D1%82-2")) as resp:
        assert resp.status == 404
    token = link.split("/files/", 1)[1].split("/")[0]
    forged = link.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    async with vb_public.http.get(forged) as resp:
        assert resp.status == 404
    links = vb_public.services.jobs.links
    assert links is not None
    links.clock = lambda: utcnow() + timedelta(days=8)
    async with vb_public.http.get(link) as resp:
        assert resp.status == 404
