"""No loss between commit and enqueue: a RawEvent whose enqueue failed (Redis gone, process killed) is found
by the sweeper and ingested exactly once; a parser crash keeps the event with the error."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from arq.connections import ArqRedis
from sqlalchemy import func
from sqlmodel import col, select

from channels.base import RawPayload
from intake.accept import accept
from intake.policy import IntakePolicy
from okno.services import Services
from storage.models import Broadcast, BroadcastRecipient, Message, RawEvent
from storage.repos.accounts import add_staff
from storage.types import utcnow
from tests.factories import api_body, inbound
from workers.broadcasts import check_draft, send
from workers.ingest import StoringSink
from workers.queue import ArqQueue
from workers.sweeper import sweep

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again at once: nothing listens there


async def messages(services: Services) -> int:
    async with services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Message)) or 0)


async def test_enqueue_failure_after_commit_is_swept_once(services: Services) -> None:
    # A real Redis client whose server is gone: the commit succeeds, the enqueue raises.
    gone = ArqRedis(host="127.0.0.1", port=dead_port(), socket_connect_timeout=1)
    broken = ArqQueue(gone, prefix="okno-test", installed=frozenset({"ingest"}))
    sink = StoringSink(services.db, broken)
    body = json.dumps(api_body("lost-1", text="Нужен акт сверки")).encode()
    raw_id = await sink.store(channel="api", account="site", headers={}, body=body)
    await gone.aclose(close_connection_pool=True)
    async with services.db.session() as session:
        raw = await session.get(RawEvent, raw_id)
        assert raw is not None and raw.status == "pending"
    assert await messages(services) == 0

    queued = await sweep({"okno": services.jobs})
    assert queued == {"ingest": 1, "send_outbox": 0, "send_broadcast": 0}
    assert services.inline is not None
    await services.inline.drain()
    assert await messages(services) == 1
    assert await sweep({"okno": services.jobs}) == {"ingest": 0, "send_outbox": 0, "send_broadcast": 0}
    async with services.db.session() as session:
        raw = await session.get(RawEvent, raw_id)
        assert raw is not None and raw.status == "accepted" and raw.attempts == 1


async def test_parser_crash_keeps_the_event_with_the_error(services: Services) -> None:
    class Exploding:
        channel = "api"

        def parse(self, raw: object) -> list[object]:
            raise KeyError("surprise")

    services.jobs.parsers = {"api": Exploding()}  # type: ignore[dict-item]
    raw_id = await services.sink.store(channel="api", account="site", headers={}, body=b"{}")
    assert services.inline is not None
    await services.inline.drain()
    async with services.db.session() as session:
        raw = await session.get(RawEvent, raw_id)
    assert raw is not None and raw.status == "anomalous"
    assert raw.reason == "parser error: KeyError('surprise')"
    assert await messages(services) == 0


async def test_unknown_channel_is_kept_as_unsupported(services: Services) -> None:
    raw_id = await services.sink.store(channel="vk", account="x", headers={}, body=b"{}")
    assert services.inline is not None
    await services.inline.drain()
    async with services.db.session() as session:
        statuses = (await session.execute(select(col(RawEvent.status), col(RawEvent.reason)))).all()
    assert statuses == [("unsupported", "no parser installed for channel 'vk'")]
    assert raw_id


async def test_a_rerun_of_an_accepted_delivery_is_its_own_not_a_duplicate(services: Services) -> None:
    """A worker killed after accept() committed but before the RawEvent was marked (or a sweep copy running
    beside a slow first run): the rerun stores nothing new, marks the event accepted, and hands the
    follow-ups out again, since the killed run may never have queued them."""
    from intake.accept import accept
    from intake.schema import InboundMessage
    from workers.ingest import ingest

    body = json.dumps(api_body("rerun-1", text="Нужен акт сверки до пятницы")).encode()
    raw_id = await services.sink.store(channel="api", account="site", headers={}, body=body)
    assert services.inline is not None
    await services.inline.drain()
    async with services.db.session() as session:
        raw = await session.get(RawEvent, raw_id)
        assert raw is not None and raw.status == "accepted"
        raw.status = "pending"  # as if the run died between accept's commit and marking the event
        await session.commit()
    assert await ingest({"okno": services.jobs, "job_try": 1}, raw_id) == "accepted"
    assert await messages(services) == 1
    async with services.db.session() as session:
        raw = await session.get(RawEvent, raw_id)
        assert raw is not None and raw.status == "accepted"

    parsed: InboundMessage = services.jobs.parsers["api"].parse(_payload(raw))[0]
    again = await accept(services.db, parsed.model_copy(update={"raw_event_id": raw_id}), policy=POLICY)
    assert again.outcome == "again" and again.message_id is not None
    assert "analyze_message" in {f.job for f in again.follow_ups}
    other = await accept(services.db, parsed.model_copy(update={"raw_event_id": None}), policy=POLICY)
    assert other.outcome == "duplicate" and not other.follow_ups  # a platform's redelivery: a new raw event


def _payload(raw: RawEvent) -> RawPayload:
    return RawPayload(
        account=raw.account, body=raw.body, headers=dict(raw.headers), received_at=raw.received_at,
        raw_event_id=raw.id,
    )  # fmt: skip


async def test_a_broadcast_whose_job_was_lost_is_written_once_by_the_sweeper(services: Services) -> None:
    """Stored, then Redis was gone for the enqueue: two minutes on, the sweeper queues it; once written,
    never again."""
    message = inbound(
        "t1", channel="telegram", account="clients", sender="501", name="Ольга", sent_at=utcnow()
    )
    await accept(services.db, message, policy=POLICY)
    async with services.db.session() as session:
        boss = await add_staff(session, name="Виктор", role="supervisor")
        await session.commit()
    gone = ArqRedis(host="127.0.0.1", port=dead_port(), socket_connect_timeout=1)
    broken = ArqQueue(gone, prefix="okno-test", installed=frozenset({"send_broadcast"}))
    draft = check_draft(text="Офис закрыт 31 декабря.", channels=["telegram"], since_days=30)
    broadcast_id, _ = await send(services.db, broken, draft, key="k", sender=boss, now=utcnow())
    await gone.aclose(close_connection_pool=True)
    assert (await sweep({"okno": services.jobs}))["send_broadcast"] == 0  # not two minutes old yet
    clock = services.jobs.clock
    services.jobs.clock = lambda: clock() + timedelta(minutes=3)
    try:
        assert (await sweep({"okno": services.jobs}))["send_broadcast"] == 1
        assert services.inline is not None
        await services.inline.drain()
        assert (await sweep({"okno": services.jobs}))["send_broadcast"] == 0
    finally:
        services.jobs.clock = clock
    async with services.db.session() as session:
        row = await session.get(Broadcast, broadcast_id)
        recipients = (await session.execute(select(BroadcastRecipient))).scalars().all()
    assert row is not None and row.written_at is not None and len(recipients) == 1
