"""arq WorkerSettings for `okno worker --queues …`: one arq Worker per named queue, one shared context."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, cast

from arq.connections import RedisSettings
from arq.cron import cron
from arq.typing import WorkerCoroutine
from arq.worker import Function, Worker, func
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import WatchError

from workers.context import JobContext
from workers.metrics import JOB_LATENCY_SECONDS, JOB_SECONDS
from workers.queue import JobFunc, queue_name
from workers.retention import enforce_retention
from workers.sweeper import sweep

log = logging.getLogger(__name__)
# Whisper and the local LLM are CPU-bound: one job at a time per worker process on those queues.
MAX_JOBS = {"io": 20, "llm": 1, "transcribe": 1}
JOB_TIMEOUT = {"io": 300, "llm": 600, "transcribe": 3600}


def _timed(name: str, job: JobFunc) -> WorkerCoroutine:
    """The job as arq runs it, observed like the inline queue's jobs (run time, wait from enqueue to start):
    without it a worker process measured none of its jobs."""

    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        enqueued = ctx.get("enqueue_time")
        if isinstance(enqueued, datetime):
            JOB_LATENCY_SECONDS.labels(name).observe(max(0.0, time.time() - enqueued.timestamp()))
        started = time.monotonic()
        try:
            return await job(ctx, *args, **kwargs)
        finally:
            JOB_SECONDS.labels(name).observe(time.monotonic() - started)

    run.__qualname__ = run.__name__ = name
    return cast(WorkerCoroutine, run)


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
            func(_timed(name, job), name=name, max_tries=app.max_tries)
            for name, (job, q) in jobs.items()
            if q == queue
        ]
        cron_jobs = []
        if queue == "io":
            seconds = set(range(0, 60, max(1, min(59, sweep_every_s))))
            cron_jobs.append(
                cron(
                    _timed("sweep", sweep),
                    name=f"cron:{prefix}:sweep",
                    second=seconds,
                    unique=True,
                    run_at_startup=True,
                )
            )
            # 152-FZ retention: hourly is plenty for periods counted in days.
            cron_jobs.append(
                cron(
                    _timed("enforce_retention", enforce_retention),
                    name=f"cron:{prefix}:retention",
                    minute=17,
                    second=0,
                    unique=True,
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
    """All queues' workers until one stops; then every one is stopped and closed (none left polling alone)."""
    runs = [asyncio.ensure_future(worker.async_run()) for worker in workers]
    try:
        done, _pending = await asyncio.wait(runs, return_when=asyncio.FIRST_COMPLETED)
        for run in done:
            run.result()  # a worker that stopped on an error ends them all with that error
        await asyncio.gather(*runs)  # burst mode: the others finish their queues too
    finally:
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
        results = await asyncio.gather(*(worker.close() for worker in workers), return_exceptions=True)
        for worker, result in zip(workers, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("closing worker %s failed: %r", worker.queue_name, result)
                await _drop_pool(worker)


async def _drop_pool(worker: Worker) -> None:
    """A close that failed half-way (Redis gone) leaves the worker's pool open: close its sockets anyway."""
    pool: Any = getattr(worker, "_pool", None)
    if pool is not None:
        with contextlib.suppress(Exception):
            await pool.aclose(close_connection_pool=True)
        worker._pool = None


REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _redis_down(exc: BaseException) -> bool:
    # redis-py reports a connection lost inside a WATCH (arq claiming a job) as a WatchError, not a
    # ConnectionError; a real watch conflict is arq's to handle and never reaches here
    return isinstance(exc, REDIS_DOWN) or (isinstance(exc, WatchError) and "ConnectionError" in str(exc))


async def run_workers_through_outages(
    build: Callable[[], list[Worker]], *, first_delay_s: float = 1.0, max_delay_s: float = 30.0
) -> list[Worker]:
    """Run the workers; when Redis goes away (a restart, a failover) build fresh ones and go on, instead of
    ending the process. A job cut off mid-run is retried by arq like one whose worker was killed: jobs are
    idempotent. Returns the last workers (their counts) once they stop normally (burst mode, cancellation)."""
    delay = first_delay_s
    while True:
        workers = build()
        started = time.monotonic()
        try:
            await run_workers(workers)
            return workers
        except Exception as exc:
            if not _redis_down(exc):
                raise
            if time.monotonic() - started > 60:
                delay = first_delay_s  # it ran a good while: a fresh outage, not the same one
            log.warning("Redis unavailable (%s): the workers start again in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay_s)


def counts(workers: list[Worker]) -> dict[str, Any]:
    return {
        w.queue_name: {"complete": w.jobs_complete, "failed": w.jobs_failed, "retried": w.jobs_retried}
        for w in workers
    }
