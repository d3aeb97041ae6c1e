"""A manager answers with files — «Акт сверки во вложении» and the PDF — from the request page: the client's
channel gets them, the timeline shows and serves what was sent; too many, empty or too large files send
nothing and the text comes back to its box."""

from __future__ import annotations

import io
import os

import aiohttp
import pytest
from sqlmodel import col, select

from storage.models import Attachment, Message, Outbox, Request
from tests.web.conftest import Seeded, SignIn
from web.reply_files import MAX_FILE_BYTES

pytestmark = pytest.mark.storage

PDF = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024)  # over okno's 1 MB body limit for everything else
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)


async def _sent(seeded: Seeded, request_id: int) -> list[tuple[Message, list[Attachment]]]:
    async with seeded.live.services.db.session() as session:
        query = select(Message).where(
            col(Message.request_id) == request_id, col(Message.direction) == "outbound"
        )
        messages = (await session.execute(query.order_by(col(Message.id)))).scalars().all()
        out = []
        for message in messages:
            of = (
                select(Attachment)
                .where(col(Attachment.message_id) == message.id)
                .order_by(col(Attachment.position))
            )
            out.append((message, list((await session.execute(of)).scalars())))
        return out


async def test_a_reply_with_files_reaches_the_client_and_the_timeline(
    seeded: Seeded, sign_in: SignIn
) -> None:
    anna = await sign_in("anna@example.ru")
    own = f"/ui/requests/{seeded.own_request_id}"
    _, page = await anna.get(own)
    form = page.split('id="reply"', 1)[1].split("</form>", 1)[0]
    assert 'enctype="multipart/form-data"' in page.split('id="reply"', 1)[0].rsplit("<form", 1)[1] + form
    assert 'type="file" name="files" multiple' in form and "required" not in form
    files = [("C:\\fakepath\\Акт сверки.pdf", PDF, "application/pdf"), ("../скан.png", PNG, "image/png")]
    resp = await anna.post_files(f"{own}/reply", {"text": "Акт сверки во вложении", "then": "wait"}, files)
    assert resp.status == 303
    await seeded.live.drain()
    [(message, attachments)] = await _sent(seeded, seeded.own_request_id)
    assert message.text == "Акт сверки во вложении"
    assert [(a.filename, a.kind, a.mime, a.size, a.position) for a in attachments] == [
        ("Акт сверки.pdf", "document", "application/pdf", len(PDF), 0),
        ("скан.png", "image", "image/png", len(PNG), 1),
    ]
    # the integrator's webhook names the files (their bytes are not in it: channels/api/README.md)
    [hook] = [r.body for r in seeded.live.receiver.received if r.body.get("text") == "Акт сверки во вложении"]
    assert [(a["filename"], a["kind"], a["size"]) for a in hook["attachments"]] == [
        ("Акт сверки.pdf", "document", len(PDF)),
        ("скан.png", "image", len(PNG)),
    ]
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.own_request_id)
        assert row is not None and row.status == "waiting_client"  # «Отправить и ждать клиента» still works
    _, page = await anna.get(own)
    item = page.split(f'id="m{message.id}"', 1)[1].split('<li class="msg', 1)[0]
    for attachment, content in zip(attachments, (PDF, PNG), strict=True):
        assert f'href="/ui/files/{attachment.id}"' in item
        async with anna.http.get(f"{seeded.url}/ui/files/{attachment.id}") as download:
            assert download.status == 200 and await download.read() == content
    assert "Акт сверки.pdf</a>" in item
    # the room for files is the reply form's: okno's 1 MB limit holds for every other form
    big = [("акт.pdf", PDF, "application/pdf")]
    assert (await anna.post_files(f"{own}/notes", {"text": "заметка"}, big)).status == 413
    # nor does anyone not signed in get the room: their body is refused before the form is read
    async with aiohttp.ClientSession() as stranger:
        stranger_form = aiohttp.FormData()
        stranger_form.add_field("files", io.BytesIO(PDF), filename="x.pdf", content_type="application/pdf")
        async with stranger.post(f"{seeded.url}{own}/reply", data=stranger_form) as resp:
            assert resp.status == 413
        async with stranger.get(
            f"{seeded.url}/ui/static/app.js"
        ) as resp:  # no session there: served all the same
            assert resp.status == 200


async def test_a_file_alone_is_a_reply(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    own = f"/ui/requests/{seeded.own_request_id}"
    await anna.get(own)
    resp = await anna.post_files(
        f"{own}/reply", {"text": "  "}, [("справка.pdf", b"%PDF-1.4 2-NDFL", "application/octet-stream")]
    )
    assert resp.status == 303
    await seeded.live.drain()
    [(message, [attachment])] = await _sent(seeded, seeded.own_request_id)
    assert message.text is None and message.delivery_status == "sent"
    assert (attachment.filename, attachment.mime) == ("справка.pdf", "application/pdf")  # guessed by name
    _, page = await anna.get(own)
    assert "Ответ поставлен в очередь отправки" in page and "справка.pdf</a>" in page
    # nothing at all is still refused
    await anna.post_files(f"{own}/reply", {"text": ""}, [])
    _, page = await anna.get(own)
    assert "Пустой ответ не отправлен" in page and len(await _sent(seeded, seeded.own_request_id)) == 1


@pytest.mark.parametrize(
    ("files", "notice"),
    [
        ([(f"{n}.pdf", b"%PDF", "application/pdf") for n in range(6)], "не больше 5 файлов"),
        ([("пустой.pdf", b"", "application/pdf")], "файл «пустой.pdf» пустой"),
        (
            [("большой.pdf", b"0" * (MAX_FILE_BYTES + 1), "application/pdf")],
            "файл «большой.pdf» больше 20 МБ",
        ),
    ],
)
async def test_files_over_the_limits_send_nothing_and_keep_the_text(
    seeded: Seeded, sign_in: SignIn, files: list[tuple[str, bytes, str]], notice: str
) -> None:
    anna = await sign_in("anna@example.ru")
    own = f"/ui/requests/{seeded.own_request_id}"
    await anna.get(own)
    resp = await anna.post_files(f"{own}/reply", {"text": "Акт во вложении"}, files)
    page = await resp.text()
    assert resp.status == 422 and notice in page and ">Акт во вложении</textarea>" in page
    await seeded.live.drain()
    assert await _sent(seeded, seeded.own_request_id) == []
    async with seeded.live.services.db.session() as session:
        assert (await session.execute(select(Outbox))).first() is None


async def test_a_saved_reply_code_with_files(seeded: Seeded, sign_in: SignIn) -> None:
    """«/код» in the box and a file: the saved reply is filled in and goes with the file; a mistyped code
    sends neither."""
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/replies")
    await viktor.post("/ui/replies", {"code": "акт", "text": "{Имя}, акт сверки во вложении."})
    anna = await sign_in("anna@example.ru")
    own = f"/ui/requests/{seeded.own_request_id}"
    await anna.get(own)
    files = [("акт.pdf", b"%PDF-1.4 akt", "application/pdf")]
    resp = await anna.post_files(f"{own}/reply", {"text": "/акы"}, files)
    assert resp.status == 422 and ">/акы</textarea>" in await resp.text()
    assert (await anna.post_files(f"{own}/reply", {"text": "/акт"}, files)).status == 303
    await seeded.live.drain()
    [(message, [attachment])] = await _sent(seeded, seeded.own_request_id)
    assert message.text == "Ольга Смирнова, акт сверки во вложении." and attachment.filename == "акт.pdf"
