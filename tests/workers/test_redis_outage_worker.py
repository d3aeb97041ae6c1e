"""`okno worker` outlives a Redis restart: the workers are built again and take new jobs (a private Redis on a
free port is killed and started again; the machine's shared one is never touched)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import WatchError

from okno.services import Services
from tests.reliability.harness.infra import PrivateRedis
from workers.queue import queue_name
from workers.settings import _redis_down, build_workers, run_workers_through_outages

pytestmark = pytest.mark.redis


async def test_worker_survives_a_redis_restart(services: Services, private_redis: PrivateRedis) -> None:
    prefix, ran = f"okno-outage-{uuid.uuid4().hex[:6]}", asyncio.Queue[str]()

    async def ping(_ctx: dict[str, Any], tag: str) -> str:
        await ran.put(tag)
        return tag

    builds: list[list[Worker]] = []

    def build() -> list[Worker]:
        builds.append(
            build_workers(
                services.jobs,
                jobs={"ping": (ping, "io")},
                redis_url=private_redis.url,
                prefix=prefix,
                queues=("io",),
            )
        )
        return builds[-1]

    async def send(tag: str) -> None:
        pool = await create_pool(RedisSettings.from_dsn(private_redis.url))
        await pool.enqueue_job("ping", tag, _queue_name=queue_name(prefix, "io"))
        await pool.aclose()

    running = asyncio.ensure_future(run_workers_through_outages(build, first_delay_s=0.2))
    try:
        await send("before")
        assert await asyncio.wait_for(ran.get(), 30) == "before"
        await asyncio.to_thread(private_redis.restart, 0.5)
        await asyncio.sleep(1.0)  # the workers notice the lost connection
        assert not running.done(), running.exception() if running.done() else None
        await send("after")
        assert await asyncio.wait_for(ran.get(), 30) == "after"
        assert not running.done()
        assert len(builds) >= 2  # fresh workers after the outage
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def test_a_connection_lost_inside_a_watch_counts_as_redis_down() -> None:
    # seen once under load: the restart cut arq's WATCH and redis-py raised this WatchError, ending the worker
    assert _redis_down(WatchError("A ConnectionError occurred on while watching one or more keys"))
    assert _redis_down(RedisConnectionError("Connection reset by peer"))
    assert not _redis_down(WatchError("Watched variable changed."))
    assert not _redis_down(ValueError("a bug in a job"))
