"""A manager's files from the web reply box reach a Telegram client: okno uploads the bytes it keeps (the Bot
API's multipart sendDocument/sendPhoto), as the loopback Bot API records them."""

from __future__ import annotations

import aiohttp
import pytest
from sqlmodel import select

from intake.schema import AttachmentRef
from storage.models import Request, Staff
from tests.channels.telegram.conftest import TelegramLive
from tests.channels.telegram.updates import IVAN, text_update
from tests.web.conftest import PASSWORD, Browserless
from web.passwords import hash_password
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage

PDF = b"%PDF-1.4 akt sverki " + bytes(range(256)) * 40
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8


async def test_files_from_the_web_reach_the_telegram_client(tg_live: TelegramLive) -> None:
    assert await tg_live.post_update(text_update(1, 77, "Пришлите акт сверки, пожалуйста")) == 200
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
        staff = await session.get(Staff, tg_live.staff_id)
        assert staff is not None
        staff.email, staff.password_hash = "anna@example.ru", hash_password(PASSWORD)
        await session.commit()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        anna = Browserless(http, tg_live.url)
        await anna.get("/ui/login")
        assert (
            await anna.post("/ui/login", {"login": "anna@example.ru", "password": PASSWORD})
        ).status == 303
        await anna.get(f"/ui/requests/{request.id}")
        files = [("Акт сверки.pdf", PDF, "application/pdf"), ("скан.jpg", JPEG, "image/jpeg")]
        resp = await anna.post_files(f"/ui/requests/{request.id}/reply", {"text": "Акт во вложении"}, files)
        assert resp.status == 303
        await tg_live.drain()
    api = tg_live.sandbox
    assert [c.method for c in api.calls if c.ok] == ["sendMessage", "sendDocument", "sendPhoto"]
    [text] = api.sent("sendMessage")
    assert text["text"] == "Акт во вложении" and text["reply_parameters"]["message_id"] == 77
    [document], [photo] = api.sent("sendDocument"), api.sent("sendPhoto")
    assert str(document["chat_id"]) == str(IVAN["id"])
    stored = {entry.path: entry.data for entry in api.files.values()}
    assert stored["uploads/Акт сверки.pdf"] == PDF and stored["uploads/скан.jpg"] == JPEG
    assert document["document"].startswith("attach://") and photo["photo"].startswith("attach://")


async def test_a_file_only_reply_goes_without_a_text_message(tg_live: TelegramLive) -> None:
    """The quote of the client's message goes on the file: there is no text message to carry it."""
    assert await tg_live.post_update(text_update(1, 78, "Счёт пришлёте?")) == 200
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    key = await tg_live.services.jobs.blobs.put(PDF)
    ref = AttachmentRef(
        kind="document", filename="Счёт.pdf", mime="application/pdf", size=len(PDF), blob_key=key
    )
    await queue_reply(
        tg_live.services.db,
        tg_live.services.queue,
        request_id=request.id or 0,
        staff_id=tg_live.staff_id,
        text="",
        attachments=(ref,),
    )
    await tg_live.drain()
    assert [c.method for c in tg_live.sandbox.calls if c.ok] == ["sendDocument"]
    [document] = tg_live.sandbox.sent("sendDocument")
    assert document["reply_parameters"]["message_id"] == 78
