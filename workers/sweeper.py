"""The outbox pattern's safety net: re-enqueue what was stored but never processed or sent."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from storage.repos.outbox import due_outbox
from storage.repos.raw_events import stale_pending
from workers.broadcasts import enqueue_write, unwritten
from workers.context import JobContext, services
from workers.outbound import stuck_after
from workers.recurring import roll_recurring_tasks
from workers.survey import send_surveys

log = logging.getLogger(__name__)


async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    app = services(ctx)
    async with app.db.session() as session:
        raws = await stale_pending(
            session, older_than=timedelta(seconds=app.sweep_min_age_s), max_attempts=app.max_tries
        )
        sends = await due_outbox(session, now=app.clock(), stuck_after=stuck_after(app))
        broadcasts = await unwritten(session, older_than=app.clock() - stuck_after(app))
    queued = {"ingest": 0, "send_outbox": 0, "send_broadcast": 0}
    for raw_id, attempts in raws:
        # The id changes only after a run, so a job still waiting in the queue is not doubled.
        if await app.queue.enqueue("ingest", raw_id, job_id=f"ingest:{raw_id}:sweep{attempts}"):
            queued["ingest"] += 1
    for outbox_id, attempts in sends:
        # As for ingest: a fixed id would be refused while a copy killed mid-send still sits in the queue.
        job_id = f"send_outbox:{outbox_id}:sweep{attempts}"
        if await app.queue.enqueue("send_outbox", outbox_id, job_id=job_id):
            queued["send_outbox"] += 1
    for broadcast_id in broadcasts:  # stored, but its job was lost: written once whoever runs it (written_at)
        if await enqueue_write(app.queue, broadcast_id, again=int(app.clock().timestamp()) // 600):
            queued["send_broadcast"] += 1
    if any(queued.values()):
        log.info("sweeper re-queued %s", queued)
    await _once_a_minute(ctx, app)
    return queued


async def _once_a_minute(ctx: dict[str, Any], app: JobContext) -> None:
    """Recurring tasks roll and done requests' clients are asked to rate them here, at most once a minute
    per process however often the sweeper runs. Not as jobs with a per-minute id: Redis restarting forgets
    that id and the same minute would run twice (harmless, both are conditional updates, but a queue must
    never run one job twice)."""
    minute = app.clock().replace(second=0, microsecond=0)
    if app.extras.get("recurring_rolled_at") == minute:
        return
    app.extras["recurring_rolled_at"] = minute
    try:
        await roll_recurring_tasks(ctx)
    except Exception:  # the next minute tries again; the sweep itself must go on
        log.warning("rolling recurring tasks failed", exc_info=True)
    try:
        await send_surveys(app)
    except Exception:
        log.warning("asking clients to rate their requests failed", exc_info=True)


async def sweep_forever(app: JobContext, interval_s: float) -> None:
    """For the inline backend: the serve process sweeps itself (arq runs `sweep` as a cron job)."""
    while True:
        try:
            await sweep({"okno": app})
        except Exception:
            log.warning("sweep failed; next in %.0fs", interval_s, exc_info=True)
        await asyncio.sleep(interval_s)
