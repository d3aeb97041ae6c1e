"""`okno listen`: one leader per install; loops run only while the lease is held, and a standby takes over."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from channels.base import RawEventSink
from okno.services import Services
from workers.listeners import run_listeners

pytestmark = pytest.mark.storage


class CountingLoop:
    name = "counting"

    def __init__(self) -> None:
        self.running = 0
        self.started = 0

    async def run(self, sink: RawEventSink) -> None:
        self.started += 1
        self.running += 1
        try:
            await asyncio.Event().wait()
        finally:
            self.running -= 1


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 (polling a plain counter)
            await asyncio.sleep(0.02)


async def test_only_one_leader_and_failover(services: Services) -> None:
    db, sink = services.db, services.sink
    first, second = CountingLoop(), CountingLoop()
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    ttl, every = timedelta(seconds=1), 0.1
    a = asyncio.create_task(
        run_listeners(db, [first], sink, holder="a", stop=stop_first, ttl=ttl, renew_every_s=every)
    )
    await wait_until(lambda: first.running == 1)
    b = asyncio.create_task(
        run_listeners(db, [second], sink, holder="b", stop=stop_second, ttl=ttl, renew_every_s=every)
    )
    await asyncio.sleep(0.5)
    assert (first.running, second.running) == (1, 0)  # the standby waits
    stop_first.set()
    await a
    assert first.running == 0
    await wait_until(lambda: second.running == 1)  # released on stop: the standby takes over
    stop_second.set()
    await b
    assert second.running == 0 and second.started == 1
