"""No loss between commit and enqueue: a RawEvent whose enqueue failed (Redis gone, process killed) is found
by the sweeper and ingested exactly once; a parser crash keeps the event with the error."""

from __future__ import annotations

import json
import socket

import pytest
from arq.connections import ArqRedis
from sqlalchemy import func
from sqlmodel import col, select

from okno.services import Services
from storage.models import Message, RawEvent
from tests.factories import api_body
from workers.ingest import StoringSink
from workers.queue import ArqQueue
from workers.sweeper import sweep

pytestmark = pytest.mark.storage


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
    assert queued == {"ingest": 1, "send_outbox": 0}
    assert services.inline is not None
    await services.inline.drain()
    assert await messages(services) == 1
    assert await sweep({"okno": services.jobs}) == {"ingest": 0, "send_outbox": 0}
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
    raw_id = await services.sink.store(channel="viber", account="x", headers={}, body=b"{}")
    assert services.inline is not None
    await services.inline.drain()
    async with services.db.session() as session:
        statuses = (await session.execute(select(col(RawEvent.status), col(RawEvent.reason)))).all()
    assert statuses == [("unsupported", "no parser installed for channel 'viber'")]
    assert raw_id
