"""The whole path over a real HTTP connection: POST /api/v1/inbound -> RawEvent -> ingest -> request ->
manager reply -> signed webhook at the sandbox receiver."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from channels.api.verify import sign
from storage.models import Message, Outbox, RawEvent, Request
from storage.repos.client_tags import add_tag
from storage.repos.saved_replies import save_my_reply, save_saved_reply
from tests.conftest import Live
from tests.factories import api_body
from web import reply_files
from web.reply_files import MAX_FILE_BYTES

pytestmark = pytest.mark.storage


async def count(live: Live, model: type) -> int:
    async with live.services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def post(
    live: Live, body: object, *, token: str | None = None, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {**live.api_headers(token), "Content-Type": "application/json"}
    # Large bodies stream (chunked, no Content-Length): the limit must hold while reading, too.
    payload = io.BytesIO(data) if len(data) > 512 * 1024 else data
    async with live.http.post(f"{live.url}/api/v1/inbound", data=payload, headers=headers) as resp:
        return resp.status, await resp.json()


async def test_fifty_concurrent_duplicate_deliveries_make_one_message(live: Live) -> None:
    body = api_body("retry-me", text="ООО «Вектор», ИНН 7736207543: счёт до пятницы")
    answers = await asyncio.gather(*(post(live, body) for _ in range(50)))
    assert {status for status, _ in answers} == {202}
    await live.drain()
    assert await count(live, Message) == 1
    assert await count(live, RawEvent) == 50  # every delivery kept byte for byte
    async with live.services.db.session() as session:
        statuses = (await session.execute(select(col(RawEvent.status)))).scalars().all()
    assert sorted(set(statuses)) == ["accepted", "duplicate"] and statuses.count("accepted") == 1


async def test_bad_json_is_422_with_the_reason_and_kept(live: Live) -> None:
    status, answer = await post(live, None, raw=b'{"event_id": "x", "sender": ')
    assert status == 422 and "not JSON" in answer["detail"]
    async with live.services.db.session() as session:
        raw = await session.get(RawEvent, answer["raw_event_id"])
    assert raw is not None and raw.status == "anomalous" and raw.body == b'{"event_id": "x", "sender": '
    await live.drain()
    assert await count(live, Message) == 0


async def test_schema_error_names_the_field(live: Live) -> None:
    status, answer = await post(live, {"event_id": "x", "text": "нет отправителя"})
    assert status == 422 and answer["detail"].startswith("sender: Field required")
    status, answer = await post(live, {"event_id": "y", "sender": {"id": "u"}})
    assert status == 422 and "needs text or attachments" in answer["detail"]


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_missing_or_wrong_token_is_401_and_nothing_is_stored(live: Live, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with live.http.post(f"{live.url}/api/v1/inbound", json=api_body(), headers=headers) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert await count(live, RawEvent) == 0


async def test_oversize_body_is_413_and_nothing_is_stored(live: Live) -> None:
    limit = live.services.settings.http.max_body_bytes
    status, answer = await post(live, api_body(text="я" * limit))
    assert status == 413 and answer["error"] == "too_large"
    headers = {**live.api_headers(), "Content-Length": str(limit + 1)}
    async with live.http.post(
        f"{live.url}/api/v1/inbound", data=io.BytesIO(b"x" * (limit + 1)), headers=headers
    ) as resp:
        assert resp.status == 413  # refused from the declared length, before reading
    assert await count(live, RawEvent) == 0


async def test_staff_api_needs_a_staff_token(live: Live) -> None:
    for path in ("/api/v1/requests", "/api/v1/clients/1"):
        async with live.http.get(f"{live.url}{path}", headers=live.api_headers()) as resp:
            assert resp.status == 401  # an API channel token is not a staff token


async def test_request_and_client_are_readable_as_json(live: Live) -> None:
    await post(
        live,
        api_body(
            "a1",
            text="Это ООО «Ромашка», ИНН 7707083893. Нужен акт сверки к 15 декабря.",
            sent_at="2026-11-24T10:00:00+03:00",
        ),
    )
    await live.drain()
    async with live.http.get(f"{live.url}/api/v1/requests", headers=live.staff_headers()) as resp:
        [request] = (await resp.json())["requests"]
    assert request["form"]["inn"] == "7707083893" and request["form"]["company_name"] == "ООО «Ромашка»"
    assert request["form"]["due_at"] == "2026-12-15T15:00:00+00:00"  # 18:00 in Moscow, the end of that day
    async with live.services.db.session() as session:  # the card's «Добавить метку»
        await add_tag(session, client_id=request["client_id"], tag=" УСН ", staff_id=live.staff_id)
        await session.commit()
    async with live.http.get(
        f"{live.url}/api/v1/clients/{request['client_id']}", headers=live.staff_headers()
    ) as resp:
        client = await resp.json()
    assert client["inn"] == "7707083893" and client["contacts"][0]["identities"][0]["external_id"] == "u1"
    assert client["tags"] == ["УСН"]
    async with live.http.get(f"{live.url}/api/v1/clients/999", headers=live.staff_headers()) as resp:
        assert resp.status == 404


async def test_reply_goes_out_as_a_signed_webhook_with_retries(live: Live) -> None:
    await post(live, api_body("a1", text="Нужна копия договора"))
    await live.drain()
    live.receiver.fail_with = [503, 429]  # the integrator is briefly down: okno must retry, not drop
    async with live.http.get(f"{live.url}/api/v1/requests", headers=live.staff_headers()) as resp:
        [request] = (await resp.json())["requests"]
    async with live.http.post(
        f"{live.url}/api/v1/requests/{request['id']}/reply",
        json={"text": "Отправили на почту"},
        headers=live.staff_headers(),
    ) as resp:
        assert resp.status == 202
    await live.drain()
    [got] = live.receiver.received
    assert got.body["text"] == "Отправили на почту" and got.body["recipient_id"] == "u1"
    assert got.body["reply_to"] == "a1" and live.receiver.rejected == []
    async with live.services.db.session() as session:
        outbox = (await session.execute(select(Outbox))).scalars().one()
        request_row = (await session.execute(select(Request))).scalars().one()
    assert outbox.status == "sent" and outbox.attempts == 3 and outbox.repeated_sends == 0
    assert request_row.status == "in_work" and request_row.first_response_at is not None


async def test_signature_is_over_timestamp_and_body() -> None:
    assert sign("k", "1700000000", b"{}") == sign("k", "1700000000", b"{}")
    assert sign("k", "1700000000", b"{}") != sign("k", "1700000001", b"{}")
    assert sign("k", "1700000000", b"{}") != sign("k", "1700000000", b"{ }")


async def test_healthz_and_metrics(live: Live) -> None:
    await post(live, api_body("m1"))
    await live.drain()
    async with live.http.get(f"{live.url}/healthz") as resp:
        assert resp.status == 200 and (await resp.json())["status"] == "ok"
    async with live.http.get(f"{live.url}/metrics") as resp:
        text = await resp.text()
    assert 'okno_events_received_total{channel="api"}' in text
    assert "okno_events_accepted_total" in text and "okno_job_seconds_bucket" in text


async def test_a_manager_undoes_a_merge_over_the_api(live: Live) -> None:
    await post(live, api_body("m1", sender="site-irina", text="Нужен акт сверки"))
    await post(live, api_body("m2", sender="viber-irina", text="Это Ирина", phone="+79161234567"))
    await live.drain()
    await post(
        live, api_body("m3", sender="site-irina", text="Мой телефон 8 916 123-45-67", phone="89161234567")
    )
    await live.drain()
    async with live.http.get(f"{live.url}/api/v1/merges", headers=live.staff_headers()) as resp:
        [merge] = (await resp.json())["merges"]
    assert merge["reason"] == "same phone" and merge["undone_at"] is None
    async with live.http.post(
        f"{live.url}/api/v1/merges/{merge['id']}/undo", headers=live.staff_headers()
    ) as resp:
        undone = await resp.json()
    assert (
        resp.status == 200
        and undone["undone_at"] is not None
        and undone["undone_by_staff_id"] == live.staff_id
    )
    async with live.http.post(
        f"{live.url}/api/v1/merges/{merge['id']}/undo", headers=live.staff_headers()
    ) as resp:
        assert resp.status == 409  # undone once only


async def test_an_account_added_a_moment_ago_is_found_by_the_sender(live: Live) -> None:
    """A reply to a client of a just-connected account must not fail with 'no account'."""
    from storage.repos.accounts import add_channel_account

    directory = live.services.accounts
    await directory.refresh()
    async with live.services.db.session() as session:
        await add_channel_account(
            session,
            box=live.services.box,
            channel="api",
            name="new-site",
            config={},
            secrets={"inbound_token": "t", "webhook_secret": "s"},
        )
        await session.commit()
    found = await directory.by_name("api", "new-site")
    assert found is not None and found.secrets["webhook_secret"] == "s"


async def test_storage_down_answers_503_so_the_platform_retries(live: Live) -> None:
    from storage.db import Database

    sink = live.services.sink
    working, sink.db = sink.db, Database("postgresql+asyncpg://okno@127.0.0.1:1/nowhere")  # nothing listens
    try:
        status, answer = await post(live, api_body("while-down"))
    finally:
        await sink.db.dispose()
        sink.db = working
    assert status == 503 and answer["error"] == "unavailable"
    assert await count(live, RawEvent) == 0  # nothing half-stored; the platform delivers again
    status, _ = await post(live, api_body("while-down"))
    assert status == 202


async def test_status_api_waits_for_the_client_until_a_date(live: Live) -> None:
    await post(live, api_body("w1", text="Нужна копия договора"))
    await live.drain()
    async with live.http.get(f"{live.url}/api/v1/requests", headers=live.staff_headers()) as resp:
        [request] = (await resp.json())["requests"]
    url, headers = f"{live.url}/api/v1/requests/{request['id']}/status", live.staff_headers()
    for bad in (
        {"status": "waiting_client", "waiting_until": "к пятнице"},
        {"status": "waiting_client", "waiting_until": "2030-01-10T18:00:00"},  # no offset: whose 18:00?
        {"status": "in_work", "waiting_until": "2030-01-10T18:00:00+03:00"},
    ):
        async with live.http.post(url, json=bad, headers=headers) as resp:
            assert resp.status == 422 and "waiting_until" in (await resp.json())["detail"]
    body = {"status": "waiting_client", "waiting_until": "2030-01-10T18:00:00+03:00"}
    async with live.http.post(url, json=body, headers=headers) as resp:
        view = await resp.json()
    assert view["status"] == "waiting_client" and view["waiting_until"] == "2030-01-10T15:00:00+00:00"
    async with live.http.post(url, json={"status": "waiting_client"}, headers=headers) as resp:
        again = await resp.json()  # again on a waiting request: the wait starts over, on the company's days
    assert again["status"] == "waiting_client" and again["waiting_until"] is None
    async with live.http.post(url, json={"status": "in_work"}, headers=headers) as resp:
        assert (await resp.json())["status"] == "in_work"


async def test_the_api_sends_a_saved_reply_by_its_code(live: Live) -> None:
    """The third staff sender keeps the web's and the bot's rule: «/код» alone is the saved reply, filled."""
    async with live.services.db.session() as session:
        await save_saved_reply(
            session,
            code="копия",
            text="{имя}, копию договора по заявке #{номер} отправили. {менеджер}",
            staff_id=None,
        )
        await save_saved_reply(session, code="акт", text="Акт для {компания} готов", staff_id=None)
        # the token's member's own, listed with the company's and marked so
        await save_my_reply(session, staff_id=live.staff_id, code="спасибо", text="Спасибо, {имя}!")
        await session.commit()
    await post(live, api_body("a1", text="Нужна копия договора"))
    await live.drain()
    async with live.http.get(f"{live.url}/api/v1/saved-replies", headers=live.staff_headers()) as resp:
        listed = await resp.json()
    assert [(r["code"], r["personal"]) for r in listed["saved_replies"]] == [
        ("акт", False),
        ("копия", False),
        ("спасибо", True),
    ]
    async with live.http.get(f"{live.url}/api/v1/requests", headers=live.staff_headers()) as resp:
        [request] = (await resp.json())["requests"]
    reply = f"{live.url}/api/v1/requests/{request['id']}/reply"
    for typed, status, error in (("/копи", 422, "unknown_code"), ("/акт", 422, "unfilled")):
        async with live.http.post(reply, json={"text": typed}, headers=live.staff_headers()) as resp:
            assert resp.status == status and (await resp.json())["error"] == error
    async with live.http.post(
        f"{live.url}/api/v1/requests/999/reply", json={"text": "/копия"}, headers=live.staff_headers()
    ) as resp:
        assert resp.status == 404
    async with live.http.post(reply, json={"text": "/копия"}, headers=live.staff_headers()) as resp:
        assert resp.status == 202
    await live.drain()
    [got] = live.receiver.received
    assert got.body["text"] == f"Клиент, копию договора по заявке #{request['id']} отправили. Анна"


PDF = b"%PDF-1.4\n" + os.urandom(2 * 1024 * 1024)  # over okno's 1 MB body limit for everything else


async def a_request(live: Live) -> int:
    await post(live, api_body("f1", text="Пришлите, пожалуйста, акт сверки за квартал"))
    await live.drain()
    async with live.http.get(f"{live.url}/api/v1/requests", headers=live.staff_headers()) as resp:
        [request] = (await resp.json())["requests"]
    return int(request["id"])


async def post_files(
    live: Live, request_id: int, text: str | None, files: list[tuple[str, bytes, str]]
) -> tuple[int, dict[str, Any]]:
    """What `curl -F text=… -F files=@act.pdf` sends (names in UTF-8, not %-quoted as aiohttp's default)."""
    form = aiohttp.FormData(quote_fields=False, default_to_multipart=True)
    if text is not None:
        form.add_field("text", text)
    for name, content, mime in files:
        form.add_field("files", io.BytesIO(content), filename=name, content_type=mime)
    url = f"{live.url}/api/v1/requests/{request_id}/reply"
    async with live.http.post(url, data=form, headers=live.staff_headers()) as resp:
        return resp.status, await resp.json()


async def outbound(live: Live) -> list[Message]:
    async with live.services.db.session() as session:
        query = select(Message).where(col(Message.direction) == "outbound").order_by(col(Message.id))
        return list((await session.execute(query)).scalars())


async def test_an_integrator_sends_a_file_with_the_reply(live: Live) -> None:
    """1C sends the client the act: multipart text and PDF, stored, queued and delivered like the web's."""
    request_id = await a_request(live)
    assert live.services.settings.http.max_body_bytes == 1024 * 1024  # the PDF alone is twice the limit
    status, answer = await post_files(
        live, request_id, "Акт во вложении", [("C:\\1C\\Акт сверки.pdf", PDF, "application/pdf")]
    )
    assert status == 202, answer
    assert answer["status"] == "queued" and isinstance(answer["outbox_id"], int)
    assert answer["attachments"] == [
        {"filename": "Акт сверки.pdf", "size": len(PDF), "mime": "application/pdf"}
    ]
    async with live.services.db.session() as session:
        outbox = await session.get(Outbox, answer["outbox_id"])
    assert outbox is not None
    [ref] = outbox.payload["attachments"]
    assert ref["blob_key"] == hashlib.sha256(PDF).hexdigest() and ref["kind"] == "document"
    assert await live.services.jobs.blobs.get(ref["blob_key"]) == PDF
    await live.drain()
    # the API channel's webhook (the client's channel here) names the file; its bytes stay in okno
    [got] = live.receiver.received
    assert got.body["text"] == "Акт во вложении"
    assert [(a["filename"], a["mime"], a["size"], a["blob_key"]) for a in got.body["attachments"]] == [
        ("Акт сверки.pdf", "application/pdf", len(PDF), ref["blob_key"])
    ]
    # and reading the request back shows what was sent
    url = f"{live.url}/api/v1/requests/{request_id}"
    async with live.http.get(url, headers=live.staff_headers()) as resp:
        messages = (await resp.json())["messages"]
    [sent] = [m for m in messages if m["direction"] == "outbound"]
    assert sent["text"] == "Акт во вложении" and sent["delivery_status"] == "sent"
    assert sent["attachments"] == [
        {"kind": "document", "filename": "Акт сверки.pdf", "mime": "application/pdf", "size": len(PDF)}
    ]
    assert [m["attachments"] for m in messages if m["direction"] == "inbound"] == [[]]


async def test_a_file_alone_is_a_reply_and_a_saved_reply_code_goes_with_files(live: Live) -> None:
    async with live.services.db.session() as session:
        await save_saved_reply(session, code="акт", text="{имя}, акт во вложении.", staff_id=None)
        await session.commit()
    request_id = await a_request(live)
    files = [("справка.pdf", b"%PDF-1.4 2-NDFL", "application/octet-stream")]
    status, answer = await post_files(live, request_id, None, files)
    assert status == 202 and answer["attachments"][0]["mime"] == "application/pdf"  # guessed by its name
    status, _ = await post_files(live, request_id, "  ", files)
    assert status == 202
    status, _ = await post_files(live, request_id, "/акт", files)
    assert status == 202
    status, refused = await post_files(live, request_id, "/акы", files)
    assert status == 422 and refused["error"] == "unknown_code"
    status, refused = await post_files(live, request_id, " ", [])  # neither text nor a file
    assert status == 422 and refused["error"] == "invalid"
    await live.drain()
    sent = await outbound(live)
    assert [m.text for m in sent] == [None, None, "Клиент, акт во вложении."]
    hooks = sorted(r.body["text"] or "" for r in live.receiver.received)  # sent in parallel: any order
    assert hooks == ["", "", "Клиент, акт во вложении."]
    # JSON stays as it was: text required
    url = f"{live.url}/api/v1/requests/{request_id}/reply"
    async with live.http.post(url, json={"text": " "}, headers=live.staff_headers()) as resp:
        assert resp.status == 422 and (await resp.json())["error"] == "invalid"
    # a body that is not the multipart it claims is the caller's mistake, not a 500
    broken = {**live.staff_headers(), "Content-Type": "multipart/form-data"}  # no boundary
    async with live.http.post(url, data=b"text=hello", headers=broken) as resp:
        assert resp.status == 400 and (await resp.json())["error"] == "bad_form"


@pytest.mark.parametrize(
    ("files", "error", "detail"),
    [
        ([(f"{n}.pdf", b"%PDF", "application/pdf") for n in range(6)], "files_too_many", "at most 5 files"),
        ([("пустой.pdf", b"", "application/pdf")], "file_empty", "'пустой.pdf' is empty"),
        (
            [
                ("ok.pdf", b"%PDF", "application/pdf"),
                ("большой.pdf", b"0" * (MAX_FILE_BYTES + 1), "application/pdf"),
            ],
            "file_too_large",
            "'большой.pdf' is over 20 MB",
        ),
    ],
    ids=["too_many", "empty", "too_large"],
)
async def test_files_over_the_limits_are_422_and_nothing_is_sent(
    live: Live, files: list[tuple[str, bytes, str]], error: str, detail: str
) -> None:
    request_id = await a_request(live)
    status, answer = await post_files(live, request_id, "Акт во вложении", files)
    assert status == 422 and answer["error"] == error and detail in answer["detail"], answer
    if error != "files_too_many":
        assert answer["filename"] == files[-1][0]
    await live.drain()
    assert await outbound(live) == [] and await count(live, Outbox) == 0
    assert live.receiver.received == []


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_only_a_staff_token_gets_the_room_for_files(live: Live, token: str | None) -> None:
    """A stranger's 120 MB is answered 401 from the headers, not read; a manager's 2 MB PDF goes through,
    and the room is the files' reply's alone (JSON, other routes: okno's 1 MB)."""
    request_id = await a_request(live)
    url = f"{live.url}/api/v1/requests/{request_id}/reply"
    produced, answered = 0, asyncio.Event()

    async def huge() -> AsyncIterator[bytes]:
        """The headers, the first megabyte of the file; the other 119 only if no answer comes without them."""
        nonlocal produced
        head = b'--b\r\nContent-Disposition: form-data; name="files"; filename="x.pdf"\r\n\r\n'
        for at in range(120):
            if at == 1:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered.wait(), timeout=5)
            chunk = (head if at == 0 else b"") + b"0" * (1024 * 1024)
            produced += len(chunk)
            yield chunk

    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with live.http.post(url, data=huge(), headers=headers) as resp:
        answered.set()
        sent_before_the_answer = produced
        assert resp.status == 401 and (await resp.json())["error"] == "unauthorized"
    assert sent_before_the_answer < 2 * 1024 * 1024  # answered from the headers: the body was never needed
    await asyncio.sleep(0.1)
    assert await count(live, Outbox) == 0
    # the room is a reply's with files, for a staff token
    status, answer = await post_files(live, request_id, "Акт", [("акт.pdf", PDF, "application/pdf")])
    assert status == 202, answer
    big_json = io.BytesIO(json.dumps({"text": "я" * (1024 * 1024)}).encode())
    json_headers = {**live.staff_headers(), "Content-Type": "application/json"}
    async with live.http.post(url, data=big_json, headers=json_headers) as resp:
        assert resp.status == 413
    form = aiohttp.FormData()
    form.add_field("files", io.BytesIO(PDF), filename="акт.pdf", content_type="application/pdf")
    status_url = f"{live.url}/api/v1/requests/{request_id}/status"
    async with live.http.post(status_url, data=form, headers=live.staff_headers()) as resp:
        assert resp.status == 413


async def test_a_body_over_the_reply_room_is_a_413_problem(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reply_files, "MAX_BODY_BYTES", 3 * 1024 * 1024)  # 101 MB, made small to post
    request_id = await a_request(live)
    files = [("акт.pdf", PDF, "application/pdf"), ("счёт.pdf", PDF, "application/pdf")]
    status, answer = await post_files(live, request_id, "Акт и счёт", files)
    assert status == 413 and answer["error"] == "too_large" and "5 files of 20 MB" in answer["detail"]
    await live.drain()
    assert await count(live, Outbox) == 0
