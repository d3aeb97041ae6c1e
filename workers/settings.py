"""arq WorkerSettings for `okno worker --queues …`: one arq Worker per named queue, one shared context."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, cast

from arq.connections import RedisSettings
from arq.cron import cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, Worker, func

from workers.context import JobContext
from workers.queue import JobFunc, queue_name
from workers.sweeper import sweep

log = logging.getLogger(__name__)
# Whisper and the local LLM are CPU-bound: one job at a time per worker process on those queues.
MAX_JOBS = {"io": 20, "llm": 1, "transcribe": 1}
JOB_TIMEOUT = {"io": 300, "llm": 600, "transcribe": 3600}


def build_workers(
    app: JobContext,
    *,
    jobs: Mapping[str, tuple[JobFunc, str]],
    redis_url: str,
    prefix: str,
    queues: tuple[str, ...],
    burst: bool = False,
    sweep_every_s: int = 30,
) -> list[Worker]:
    redis = RedisSettings.from_dsn(redis_url)
    workers = []
    for queue in queues:
        functions: list[Function] = [
            func(cast(WorkerCoroutine, job), name=name, max_tries=app.max_tries)
            for name, (job, q) in jobs.items()
            if q == queue
        ]
        cron_jobs = []
        if queue == "io":
            seconds = set(range(0, 60, max(1, min(59, sweep_every_s))))
            cron_jobs.append(
                cron(
                    cast(WorkerCoroutine, sweep),
                    name=f"cron:{prefix}:sweep",
                    second=seconds,
                    unique=True,
                    run_at_startup=True,
                )
            )
        workers.append(
            Worker(
                functions=functions,
                cron_jobs=cron_jobs,
                queue_name=queue_name(prefix, queue),
                redis_settings=redis,
                ctx={"okno": app},
                max_jobs=MAX_JOBS[queue],
                job_timeout=JOB_TIMEOUT[queue],
                keep_result=3600,
                burst=burst,
                handle_signals=False,
                poll_delay=0.05,
            )
        )
    return workers


async def run_workers(workers: list[Worker]) -> None:
    try:
        await asyncio.gather(*(worker.async_run() for worker in workers))
    finally:
        results = await asyncio.gather(*(worker.close() for worker in workers), return_exceptions=True)
        for worker, result in zip(workers, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("closing worker %s failed: %r", worker.queue_name, result)


def counts(workers: list[Worker]) -> dict[str, Any]:
    return {
        w.queue_name: {"complete": w.jobs_complete, "failed": w.jobs_failed, "retried": w.jobs_retried}
        for w in workers
    }
