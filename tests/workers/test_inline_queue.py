"""The embedded queue (InlineQueue): a deferred job runs after its delay, and draining waits for what is due
within the timeout, not for a job deferred past it (a broadcast scheduled for tomorrow)."""

from __future__ import annotations

import time
from typing import Any

from workers.queue import InlineQueue


async def test_drain_waits_for_due_jobs_and_leaves_those_deferred_past_it() -> None:
    ran: list[tuple[str, float]] = []
    start = time.monotonic()

    async def note(_ctx: dict[str, Any], name: str) -> None:
        ran.append((name, time.monotonic() - start))

    queue = InlineQueue({"note": note}, ctx={})
    assert await queue.enqueue("note", "now", job_id="a")
    assert await queue.enqueue("note", "soon", job_id="b", defer_s=0.2)
    assert await queue.enqueue("note", "tomorrow", job_id="c", defer_s=86_400)
    assert not await queue.enqueue("note", "tomorrow", job_id="c", defer_s=86_400)  # queued once
    await queue.drain(timeout=5)
    assert [name for name, _ in ran] == ["now", "soon"] and ran[1][1] >= 0.2
    await queue.close()  # the deferred one goes with the process; the sweeper queues it again when due
    assert [name for name, _ in ran] == ["now", "soon"]
