"""Raw mail through the same sink the IMAP loop uses -> ingest -> intake: a claim opens a request, the reply
lands in it, an auto-reply is recorded with no request, a bounce marks the bounced Outbox row failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from okno.services import Services
from storage.models import Conversation, Message, Outbox, RawEvent, Request
from storage.repos.outbox import add_outbox

pytestmark = pytest.mark.storage
FIXTURES = Path(__file__).with_name("fixtures")


async def deliver(services: Services, name: str) -> int:
    body = (FIXTURES / f"{name}.eml").read_bytes()
    raw_id = await services.sink.store(
        channel="email", account="sales", headers={"mailbox": "INBOX"}, body=body
    )
    assert services.inline is not None
    await services.inline.drain()
    return raw_id


async def message(services: Services, key: str) -> Message:
    async with services.db.session() as session:
        query = select(Message).where(col(Message.channel) == "email", col(Message.message_key) == key)
        found = (await session.execute(query)).scalars().one()
        session.expunge(found)
        return found


async def test_claim_reply_auto_reply_and_bounce(services: Services) -> None:
    await deliver(services, "claim__cp1251_plain")
    claim = await message(services, "claim-0001@stroymontazh.ru")
    assert claim.request_id is not None and claim.text is not None and "цемента" in claim.text

    await deliver(services, "reply__outlook_russian_quote")
    reply = await message(services, "reply-0002@stroymontazh.ru")
    assert reply.request_id == claim.request_id and reply.conversation_id == claim.conversation_id

    await deliver(services, "system__auto_reply_ru")
    auto = await message(services, "auto-1@stroymontazh.ru")
    assert auto.kind == "system" and auto.request_id is None

    async with services.db.session() as session:
        ours = Message(  # a staff reply, as workers.outbound.queue_reply stores it beside its Outbox row
            conversation_id=claim.conversation_id,
            request_id=claim.request_id,
            channel="email",
            account="sales",
            message_key="okno-out:7",
            direction="outbound",
            kind="text",
            text="Отгрузим в пятницу.",
            sent_at=claim.sent_at,
            delivery_status="sent",
        )
        session.add(ours)
        await session.flush()
        outbox = await add_outbox(
            session,
            channel="email",
            account="sales",
            conversation_key="claim-0001@stroymontazh.ru",
            payload={},
            message_id=ours.id,
        )
        outbox.status, outbox.platform_message_id = "sent", "okno.7.abc@okno.example"
        await session.commit()
        outbox_id = outbox.id
    await deliver(services, "system__bounce_dsn")
    async with services.db.session() as session:
        bounced = await session.get(Outbox, outbox_id)
        assert bounced is not None and bounced.status == "failed"
        assert bounced.last_error is not None and "550 5.1.1" in bounced.last_error
        # the bounce names the mail by its Message-ID: the reply on the timeline shows it failed too
        assert (await session.get(Message, ours.id)).delivery_status == "failed"  # type: ignore[union-attr]
        requests = (await session.execute(select(Request))).scalars().all()
        conversations = (await session.execute(select(Conversation))).scalars().all()
    assert len(requests) == 1  # the auto-reply and the bounce opened nothing
    assert {c.conversation_key for c in conversations} >= {"claim-0001@stroymontazh.ru"}
    assert (await message(services, "bounce-1@mx.okno.example")).request_id is None


async def test_a_redelivered_mail_changes_nothing(services: Services) -> None:
    first = await deliver(services, "claim__cp1251_plain")
    second = await deliver(services, "claim__cp1251_plain")
    async with services.db.session() as session:
        statuses = {r.id: r.status for r in (await session.execute(select(RawEvent))).scalars().all()}
        messages = (await session.execute(select(Message))).scalars().all()
    assert statuses == {first: "accepted", second: "duplicate"} and len(messages) == 1


async def test_broken_mail_is_kept_with_the_reason(services: Services) -> None:
    raw_id = await services.sink.store(
        channel="email", account="sales", headers={}, body=b"Subject: x\r\n\r\nno from"
    )
    assert services.inline is not None
    await services.inline.drain()
    async with services.db.session() as session:
        raw = await session.get(RawEvent, raw_id)
    assert raw is not None and raw.status == "anomalous" and raw.reason is not None and "sender" in raw.reason


async def test_attachments_move_into_blob_storage(services: Services) -> None:
    from storage.models import Attachment
    from workers.email_parts import sweep_email_parts

    await deliver(services, "attachment__rfc2231_cyrillic_name")
    assert services.inline is not None
    await services.inline.drain()  # ingest asks for the parts (fetch_attachments follow-up): no sweep needed
    async with services.db.session() as session:
        [attachment] = (await session.execute(select(Attachment))).scalars().all()
    assert attachment.filename == "Счёт № 48 от 18.11.2024.pdf" and attachment.blob_sha256 is not None
    assert (await services.jobs.blobs.get(attachment.blob_sha256)).startswith(b"%PDF-1.4")
    assert await sweep_email_parts({"okno": services.jobs}) == 0  # nothing left to move


async def test_okno_listen_gets_one_imap_loop_per_configured_account(services: Services) -> None:
    from channels.email.imap import ImapLoop
    from storage.repos.accounts import add_channel_account
    from workers.email_listen import email_loops
    from workers.listeners import PeriodicSweep

    base = {"address": "sales@okno.test", "imap_host": "127.0.0.1"}
    async with services.db.session() as session:
        for name, config in (
            ("inbox", base),
            ("send-only", {"address": "noreply@okno.test", "smtp_host": "127.0.0.1"}),
            ("broken", {**base, "imap_security": "ssl"}),
        ):
            await add_channel_account(
                session,
                box=services.box,
                channel="email",
                name=name,
                config=config,
                secrets={"password": "p"},
            )
        await session.commit()
    loops = await email_loops(services.jobs, services.box)
    assert [type(loop) for loop in loops] == [ImapLoop, PeriodicSweep]
    assert loops[0].name == "imap:inbox"
