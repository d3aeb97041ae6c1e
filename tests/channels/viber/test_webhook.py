"""End to end through a running okno and the loopback Viber API: signed callback in -> request stored ->
manager reply -> the stand-in got send_message -> receipts back -> the Outbox row updated; refused
signatures, redelivery, unsubscribed clients, Viber's error statuses, kept refusals, files into blob
storage, the welcome message and set_webhook's URL check."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from channels.viber.api import EVENT_TYPES, ViberAccount
from sandbox.viber import ViberApiStandIn
from sandbox.viber_shapes import callback
from storage.models import Attachment, ChannelIdentity, Contact, Message, Outbox, RawEvent, Request
from tests.channels.viber.conftest import SENDER_NAME, VbLive, account_of
from workers import viber as media_job
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage
USER = "R8nC6u6Yh0XkHtwjvQ0xqg=="
TEXT = {"type": "text", "text": "Добрый день! Нужен акт сверки с ООО «Ромашка» за ноябрь"}


async def count(live: VbLive, model: type, *where: Any) -> int:
    async with live.services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def outbox_row(live: VbLive, outbox_id: int) -> Outbox:
    async with live.services.db.session() as session:
        row = await session.get(Outbox, outbox_id)
        assert row is not None
        return row


async def reply(live: VbLive, text: str) -> int:
    async with live.services.db.session() as session:
        request_id = (await session.execute(select(Request.id))).scalars().one()
    outbox = await queue_reply(
        live.services.db, live.services.queue, request_id=request_id or 0, staff_id=live.staff_id, text=text
    )
    await live.drain()
    return outbox.id or 0


async def reachable(live: VbLive) -> bool:
    async with live.services.db.session() as session:
        return bool((await session.execute(select(ChannelIdentity.reachable))).scalars().one())


async def raw_events(live: VbLive) -> list[tuple[str, str | None]]:
    async with live.services.db.session() as session:
        rows = await session.execute(select(RawEvent.status, RawEvent.reason).order_by(col(RawEvent.id)))
        return [(str(status), reason) for status, reason in rows.all()]


async def test_missing_wrong_or_foreign_signature_is_refused_and_nothing_stored(
    vb_live: VbLive, viber: ViberApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    body = callback("message", sender={"id": USER, "name": "Ирина"}, message=TEXT)
    assert (await viber.deliver(body, signature="0" * 64)).status == 403
    raw = json.dumps(body).encode()
    async with vb_live.http.post(viber.webhook_url or "", data=raw) as resp:
        assert resp.status == 403
    headers = {"X-Viber-Content-Signature": viber.sign(raw)}
    async with vb_live.http.post(f"{vb_live.url}/viber/nobody/webhook", data=raw, headers=headers) as resp:
        assert resp.status == 403
    assert await count(vb_live, RawEvent) == 0 and await count(vb_live, Message) == 0
    assert "refused: wrong signature" in caplog.text and "refused: missing signature" in caplog.text
    assert "refused: unknown account signature" in caplog.text


async def test_message_in_reply_out_receipts_back(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    token = await viber.client_writes(USER, "Ирина Соколова", TEXT)
    assert viber.deliveries[-1].status == 200
    await vb_live.drain()
    async with vb_live.services.db.session() as session:
        message = (await session.execute(select(Message))).scalars().one()
        contact = await session.get(Contact, message.author_contact_id)
    assert message.message_key == token and message.request_id is not None and message.channel == "viber"
    assert contact is not None and contact.display_name == "Ирина Соколова"

    outbox_id = await reply(vb_live, "Здравствуйте! Акт пришлём сегодня до 18:00.")
    [sent] = viber.sent
    assert sent["_auth"] == viber.auth_token  # X-Viber-Auth-Token, the bot's own
    assert {k: sent[k] for k in ("receiver", "type", "text", "min_api_version", "sender")} == {
        "receiver": USER,
        "type": "text",
        "text": "Здравствуйте! Акт пришлём сегодня до 18:00.",
        "min_api_version": 1,
        "sender": {"name": SENDER_NAME},
    }
    row = await outbox_row(vb_live, outbox_id)
    assert (row.status, row.platform_message_id) == ("sent", sent["_token"])
    for event, status in (("delivered", "delivered"), ("seen", "read")):
        assert (await viber.report(sent["_token"], event)).status == 200
        await vb_live.drain()
        row = await outbox_row(vb_live, outbox_id)
        async with vb_live.services.db.session() as session:
            staff_message = await session.get(Message, row.message_id)
        assert row.status == status and staff_message is not None and staff_message.delivery_status == status


async def test_failed_receipt_records_the_reason(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    await viber.client_writes(USER, "Ирина", TEXT)
    await vb_live.drain()
    outbox_id = await reply(vb_live, "Ответ")
    await viber.report(viber.sent[0]["_token"], "failed", desc="failure description")
    await vb_live.drain()
    row = await outbox_row(vb_live, outbox_id)
    assert (row.status, row.last_error) == ("failed", "failure description")


async def test_redelivery_changes_nothing(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    await viber.client_writes(USER, "Ирина", TEXT)
    await viber.deliver(viber.deliveries[-1].body)
    await vb_live.drain()
    assert await count(vb_live, Message) == 1 and await count(vb_live, RawEvent) == 2


async def test_unsubscribed_client_is_refused_before_the_api_until_they_write_again(
    vb_live: VbLive, viber: ViberApiStandIn
) -> None:
    await viber.client_writes(USER, "Ирина", TEXT)
    await viber.unsubscribe(USER)
    await vb_live.drain()
    assert not await reachable(vb_live)
    viber.subscribers.add(USER)  # Viber would take it: the refusal must be okno's own
    row = await outbox_row(vb_live, await reply(vb_live, "Ответ"))
    assert (row.status, row.attempts) == ("failed", 1) and viber.sent == [] and viber.refused == []
    assert row.last_error is not None and row.last_error.startswith("Клиент отписался от бота Viber")

    await viber.client_writes(USER, "Ирина", {"type": "text", "text": "Я снова здесь"})
    await vb_live.drain()
    assert await reachable(vb_live)  # a user's message subscribes them (no `subscribed` callback comes)
    assert (await outbox_row(vb_live, await reply(vb_live, "Ответ"))).status == "sent"


async def test_subscribed_callback_makes_them_reachable_again(
    vb_live: VbLive, viber: ViberApiStandIn
) -> None:
    await viber.client_writes(USER, "Ирина", TEXT)
    await viber.unsubscribe(USER)
    await vb_live.drain()
    await viber.subscribe(USER, "Ирина")
    await vb_live.drain()
    assert await reachable(vb_live)
    async with vb_live.services.db.session() as session:
        notes = (await session.execute(select(Message.text).where(col(Message.kind) == "system"))).scalars()
        assert list(notes)[-1] == "Клиент подписался на бота Viber"


async def test_vibers_own_not_subscribed_is_not_retried_and_recorded(
    vb_live: VbLive, viber: ViberApiStandIn
) -> None:
    await viber.client_writes(USER, "Ирина", TEXT)
    await vb_live.drain()
    viber.subscribers.discard(USER)  # unsubscribed, and the callback never reached okno
    row = await outbox_row(vb_live, await reply(vb_live, "Ответ"))
    assert (row.status, row.attempts) == ("failed", 1) and viber.refused[0]["status"] == 6
    assert not await reachable(vb_live)


async def test_rate_limit_is_retried_through_the_outbox(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    await viber.client_writes(USER, "Ирина", TEXT)
    await vb_live.drain()
    viber.fail_next = [12]
    row = await outbox_row(vb_live, await reply(vb_live, "Ответ после паузы"))
    assert (row.status, row.attempts, len(viber.sent)) == ("sent", 2, 1)
    assert viber.refused[0]["status"] == 12


async def test_bad_token_is_said_plainly_and_not_retried(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    await viber.client_writes(USER, "Ирина", TEXT)
    await vb_live.drain()
    viber.auth_token = "another-bot"  # okno still holds the old token
    row = await outbox_row(vb_live, await reply(vb_live, "Ответ"))
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error is not None and "auth_token" in row.last_error


async def test_malformed_and_unknown_callbacks_are_kept_with_the_reason(
    vb_live: VbLive, viber: ViberApiStandIn
) -> None:
    raw = b'{"event": "message", "sender": '
    headers = {"X-Viber-Content-Signature": viber.sign(raw)}
    async with vb_live.http.post(viber.webhook_url or "", data=raw, headers=headers) as resp:
        assert resp.status == 200  # stored: Viber must not retry a body that will never parse
    assert (await viber.deliver(callback("client_status", user_id=USER))).status == 200
    await vb_live.drain()
    [(bad, bad_reason), (unknown, unknown_reason)] = await raw_events(vb_live)
    assert bad == "anomalous" and bad_reason is not None and bad_reason.startswith("body is not JSON")
    assert (unknown, unknown_reason) == (
        "unsupported",
        "event 'client_status' is not a client message okno keeps",
    )
    assert await count(vb_live, Message) == 0


async def test_client_file_goes_to_blob_storage(
    vb_live: VbLive, viber: ViberApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media_job, "RETRY_BASE_S", 0.01)
    pdf = b"%PDF-1.4 akt sverki"
    url = viber.add_media(pdf, "application/pdf")
    viber.download_failures = 1  # the first download fails and is retried
    await viber.client_writes(
        USER, "Ирина", {"type": "file", "media": url, "file_name": "akt.pdf", "size": 19}
    )
    await vb_live.drain()  # ingest asks for the file (fetch_attachments follow-up): no sweep needed
    async with vb_live.services.db.session() as session:
        attachment = (await session.execute(select(Attachment))).scalars().one()
    assert (attachment.kind, attachment.filename, attachment.platform_ref) == ("document", "akt.pdf", url)
    assert attachment.blob_sha256 is not None and attachment.size == len(pdf) and viber.downloads == 2
    assert attachment.mime == "application/pdf"
    assert await vb_live.services.jobs.blobs.get(attachment.blob_sha256) == pdf


async def test_expired_link_is_kept_as_a_reference(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    url = viber.add_media(b"\x89PNG", "image/png")
    viber.expired.add(url.rsplit("/", 1)[-1])
    await viber.client_writes(USER, "Ирина", {"type": "picture", "media": url, "text": ""})
    await vb_live.drain()
    await vb_live.services.queue.enqueue(media_job.SWEEP_JOB, job_id="sweep-2")
    await vb_live.drain()
    assert await count(vb_live, Attachment, col(Attachment.platform_ref) == url) == 1
    assert await count(vb_live, Attachment, col(Attachment.blob_sha256).is_not(None)) == 0


async def test_conversation_started_is_answered_with_the_welcome_message(
    vb_live: VbLive, viber: ViberApiStandIn
) -> None:
    opened = await viber.open_chat(USER, "Ирина", context="price-list")
    assert opened.status == 200
    assert json.loads(opened.answer) == {
        "sender": {"name": SENDER_NAME},
        "type": "text",
        "text": "Здравствуйте! Напишите ваш вопрос.",
    }
    await vb_live.drain()
    async with vb_live.services.db.session() as session:
        note = (await session.execute(select(Message))).scalars().one()
    assert (note.kind, note.request_id) == ("system", None)  # opening the chat is not a request
    written = await viber.client_writes(USER, "Ирина", TEXT)
    assert json.loads(viber.deliveries[-1].answer)["status"] == "stored" and written


async def test_set_webhook_checks_the_url_and_the_check_is_kept(
    vb_live: VbLive, viber: ViberApiStandIn
) -> None:
    bot = ViberAccount.of(account_of(viber))
    hook = viber.webhook_url
    viber.webhook_url = None
    async with aiohttp.ClientSession() as http:
        answer = await bot.call(http, "set_webhook", {"url": hook, "event_types": list(EVENT_TYPES)})
        info = await bot.call(http, "get_account_info", {})
    assert answer["event_types"] == list(EVENT_TYPES) and info["webhook"] == hook
    assert viber.deliveries[-1].body["event"] == "webhook" and viber.deliveries[-1].status == 200
    await vb_live.drain()
    [(status, reason)] = await raw_events(vb_live)
    assert status == "unsupported" and reason is not None and reason.startswith("event 'webhook'")
