"""The outbox pattern's safety net: re-enqueue what was stored but never processed or sent."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from storage.repos.outbox import due_outbox
from storage.repos.raw_events import stale_pending
from workers.context import JobContext, services
from workers.outbound import STUCK_AFTER

log = logging.getLogger(__name__)


async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    app = services(ctx)
    async with app.db.session() as session:
        raws = await stale_pending(
            session, older_than=timedelta(seconds=app.sweep_min_age_s), max_attempts=app.max_tries
        )
        sends = await due_outbox(session, now=app.clock(), stuck_after=STUCK_AFTER)
    queued = {"ingest": 0, "send_outbox": 0}
    for raw_id, attempts in raws:
        # The id changes only after a run, so a job still waiting in the queue is not doubled.
        if await app.queue.enqueue("ingest", raw_id, job_id=f"ingest:{raw_id}:sweep{attempts}"):
            queued["ingest"] += 1
    for outbox_id in sends:
        if await app.queue.enqueue("send_outbox", outbox_id, job_id=f"send_outbox:{outbox_id}:sweep"):
            queued["send_outbox"] += 1
    if any(queued.values()):
        log.info("sweeper re-queued %s", queued)
    return queued


async def sweep_forever(app: JobContext, interval_s: float) -> None:
    """For the inline backend: the serve process sweeps itself (arq runs `sweep` as a cron job)."""
    while True:
        try:
            await sweep({"okno": app})
        except Exception:
            log.warning("sweep failed; next in %.0fs", interval_s, exc_info=True)
        await asyncio.sleep(interval_s)
