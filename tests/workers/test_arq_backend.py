"""The production path on real Redis: serve enqueues to arq, `okno worker` (burst) runs the jobs."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from arq.connections import RedisSettings, create_pool
from prometheus_client import REGISTRY
from sqlalchemy import func
from sqlmodel import select

from okno.app import build_app
from okno.jobs import JOBS
from okno.services import Services, build_services
from sandbox.webhook_receiver import WebhookReceiver
from storage.db import Database
from storage.models import Message, Outbox
from storage.repos.accounts import add_channel_account, add_staff
from tests.conftest import REDIS_URL, make_settings, start_app
from tests.factories import api_body
from workers.queue import ArqQueue
from workers.settings import build_workers, counts, run_workers

pytestmark = [pytest.mark.storage, pytest.mark.redis]


@pytest.fixture
async def arq_services(tmp_path: Path, db_url: str, db: Database) -> AsyncIterator[Services]:
    prefix = f"okno-test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        tmp_path, db_url, queue={"backend": "arq", "redis_url": REDIS_URL, "prefix": prefix}
    )
    services = await build_services(settings)
    yield services
    await services.close()
    redis = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    keys = [key async for key in redis.scan_iter(match=f"*{prefix}*")]  # queues and this run's job keys only
    if keys:
        await redis.delete(*keys)
    await redis.aclose(close_connection_pool=True)


async def run_burst(services: Services) -> dict[str, object]:
    settings = services.settings
    workers = build_workers(
        services.jobs,
        jobs=JOBS,
        redis_url=settings.queue.redis_url,
        prefix=settings.queue.prefix,
        queues=("io",),
        burst=True,
    )
    await asyncio.wait_for(run_workers(workers), timeout=60)
    return counts(workers)


async def test_events_flow_through_redis_and_the_worker(arq_services: Services) -> None:
    services = arq_services
    receiver = WebhookReceiver(secret=secrets.token_urlsafe(8))
    receiver_runner, receiver_url = await start_app(receiver.app())
    token, staff_token = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="api",
            name="site",
            config={"webhook_url": f"{receiver_url}/hook"},
            secrets={"inbound_token": token, "webhook_secret": receiver.secret},
        )
        await add_staff(session, name="Анна", api_token=staff_token)
        await session.commit()
    runner, url = await start_app(build_app(services, sweep=False))
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            bodies = [api_body(f"e{i}", sender=f"client-{i % 5}", text=f"Вопрос {i}") for i in range(20)]
            bodies.append(bodies[0])  # a platform retry: same event_id
            for body in bodies:
                async with http.post(f"{url}/api/v1/inbound", json=body) as resp:
                    assert resp.status == 202
        timed = REGISTRY.get_sample_value("okno_job_seconds_count", {"job": "ingest"}) or 0.0
        waited = REGISTRY.get_sample_value("okno_job_latency_seconds_count", {"job": "ingest"}) or 0.0
        first = await run_burst(services)
        async with services.db.session() as session:
            assert await session.scalar(select(func.count()).select_from(Message)) == 20
        # the worker process measures the jobs it runs (its own /metrics: `okno worker --metrics-port`)
        assert REGISTRY.get_sample_value("okno_job_seconds_count", {"job": "ingest"}) == timed + 21
        assert REGISTRY.get_sample_value("okno_job_latency_seconds_count", {"job": "ingest"}) == waited + 21
        staff = aiohttp.ClientSession(headers={"Authorization": f"Bearer {staff_token}"})
        async with staff, staff.post(f"{url}/api/v1/requests/1/reply", json={"text": "Ответ"}) as resp:
            assert resp.status == 202
        await run_burst(services)
        async with services.db.session() as session:
            outbox = (await session.execute(select(Outbox))).scalars().one()
        assert outbox.status == "sent" and [r.body["text"] for r in receiver.received] == ["Ответ"]
        io = first[f"{services.settings.queue.prefix}:io"]
        assert isinstance(io, dict) and io["complete"] >= 21 and io["failed"] == 0
    finally:
        await runner.cleanup()
        await receiver_runner.cleanup()


async def test_the_same_job_id_is_queued_once(arq_services: Services) -> None:
    queue = arq_services.queue
    assert await queue.enqueue("ingest", 999, job_id="ingest:999") is True
    assert await queue.enqueue("ingest", 999, job_id="ingest:999") is False
    assert await queue.enqueue("not_installed", 1, job_id="x:1") is False


async def test_a_failed_job_id_may_run_again_a_queued_or_done_one_not(arq_services: Services) -> None:
    """A deterministic id is never run twice once it succeeded, and never doubled while queued; but a job
    that failed (the database was restarting) must run when the sweeper asks again, not an hour later."""
    runs: list[int] = []

    async def flaky(_ctx: dict[str, object], n: int) -> None:
        runs.append(n)
        if len(runs) == 1:
            raise ConnectionError("the database is restarting")

    settings = arq_services.settings
    redis = await create_pool(RedisSettings.from_dsn(settings.queue.redis_url))
    queue = ArqQueue(redis, prefix=settings.queue.prefix, installed=frozenset({"flaky"}))

    async def burst() -> None:
        workers = build_workers(
            arq_services.jobs,
            jobs={"flaky": (flaky, "io")},
            redis_url=settings.queue.redis_url,
            prefix=settings.queue.prefix,
            queues=("io",),
            burst=True,
        )
        await asyncio.wait_for(run_workers(workers), timeout=60)

    try:
        assert await queue.enqueue("flaky", 1, job_id="flaky:1")
        assert not await queue.enqueue("flaky", 1, job_id="flaky:1")  # still queued: no double
        await burst()
        assert runs == [1]
        assert await redis.exists(f"arq:result:{settings.queue.prefix}:flaky:1")  # arq keeps the failure
        assert await queue.enqueue("flaky", 2, job_id="flaky:1")  # finished (failed): may run again
        await burst()
        assert runs == [1, 2]
        assert not await queue.enqueue("flaky", 3, job_id="flaky:1")  # succeeded: never run twice
    finally:
        await queue.close()
