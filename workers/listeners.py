"""Long-lived inbound loops (Telegram polling, IMAP IDLE, AMI) under one leader per install."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol

from channels.base import RawEventSink
from storage.db import Database
from storage.repos.leases import release_lease, try_acquire_lease
from workers.context import JobContext

log = logging.getLogger(__name__)
LEASE = "okno-listen"


class InboundLoop(Protocol):
    name: str

    async def run(self, sink: RawEventSink) -> None:
        """Feed the sink until cancelled; reconnects are the loop's own business."""
        ...


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def run_listeners(
    db: Database,
    loops: Sequence[InboundLoop],
    sink: RawEventSink,
    *,
    holder: str | None = None,
    ttl: timedelta = timedelta(seconds=30),
    renew_every_s: float = 10.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Take the lease, run the loops while holding it, stop them the moment it is lost."""
    holder = holder or holder_id()
    stop = stop or asyncio.Event()
    while not stop.is_set():
        if not await _acquire(db, holder, ttl):
            log.info("another okno listen holds the lock; standing by")
            await _wait(stop, renew_every_s)
            continue
        log.info("leader %s: running %d inbound loop(s): %s", holder, len(loops), [lp.name for lp in loops])
        tasks = [asyncio.create_task(loop.run(sink), name=loop.name) for loop in loops]
        try:
            while not stop.is_set() and await _acquire(db, holder, ttl):
                await _wait(stop, renew_every_s)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    async with db.session() as session:
        await release_lease(session, name=LEASE, holder=holder)


async def _acquire(db: Database, holder: str, ttl: timedelta) -> bool:
    try:
        async with db.session() as session:
            return await try_acquire_lease(session, name=LEASE, holder=holder, ttl=ttl)
    except Exception:
        log.warning("lease check failed; treating the lock as lost", exc_info=True)
        return False


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class PeriodicSweep:
    """A loop that runs one sweep job every interval (one per install, under the leader's lease): the
    safety net for work whose own follow-up was lost (a crash, an outage)."""

    def __init__(
        self,
        name: str,
        sweep: Callable[[dict[str, Any]], Awaitable[Any]],
        jobs: JobContext,
        *,
        every_s: float,
    ) -> None:
        self.name = name
        self.sweep = sweep
        self.jobs = jobs
        self.every_s = every_s

    async def run(self, sink: RawEventSink) -> None:
        while True:
            try:
                await self.sweep({"okno": self.jobs})
            except Exception:
                log.warning("%s failed; next in %.0fs", self.name, self.every_s, exc_info=True)
            await asyncio.sleep(self.every_s)
