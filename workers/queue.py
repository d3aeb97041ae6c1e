"""Enqueue jobs by name with deterministic ids, on named queues; arq on Redis or inline in-process."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix
from arq.jobs import Job, serialize_job
from arq.utils import timestamp_ms
from arq.worker import Retry

from workers.metrics import JOB_LATENCY_SECONDS, JOB_SECONDS

log = logging.getLogger(__name__)

QUEUES = ("io", "llm", "transcribe")
JobFunc = Callable[..., Awaitable[Any]]


class JobQueue(Protocol):
    async def enqueue(
        self, job: str, *args: Any, job_id: str, queue: str = "io", defer_s: float | None = None
    ) -> bool:
        """False when a job with this id is already queued (or the job is not installed here)."""
        ...

    async def close(self) -> None: ...


def queue_name(prefix: str, queue: str) -> str:
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}: one of {', '.join(QUEUES)}")
    return f"{prefix}:{queue}"


# Atomic like arq's WATCH/MULTI: an id that is queued, running (its job key stays) or has a result is refused.
_ENQUEUE_LUA = """
if redis.call('exists', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('psetex', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[4])
return 1
"""


class ArqQueue:
    """Production backend: jobs go to Redis; `okno worker --queues …` runs them."""

    def __init__(self, redis: ArqRedis, *, prefix: str, installed: frozenset[str]) -> None:
        self.redis = redis
        self.prefix = prefix
        self.installed = installed
        self._enqueue_script = redis.register_script(_ENQUEUE_LUA)

    async def enqueue(
        self, job: str, *args: Any, job_id: str, queue: str = "io", defer_s: float | None = None
    ) -> bool:
        if job not in self.installed:
            log.debug("job %s is not installed in this build: %s not queued", job, job_id)
            return False
        # arq keeps job ids in one keyspace (arq:job:<id>): the prefix keeps installs sharing a Redis apart.
        full_id = f"{self.prefix}:{job_id}"
        for _ in range(2):
            if await self._enqueue_once(job, args, full_id, queue_name(self.prefix, queue), defer_s):
                return True
            if not await self._free_after_failure(full_id):
                return False  # queued, running or done: this copy would be a double
        return False

    async def _enqueue_once(
        self, job: str, args: tuple[Any, ...], full_id: str, queue: str, defer_s: float | None
    ) -> bool:
        """arq's enqueue_job (same keys, same serialized job) in one round trip instead of three
        (WATCH, EXISTS, MULTI/EXEC): it runs before every webhook ack."""
        now_ms = timestamp_ms()
        defer_ms = round(defer_s * 1000) if defer_s else 0
        payload = serialize_job(job, args, {}, None, now_ms, serializer=self.redis.job_serializer)
        keys = [job_key_prefix + full_id, result_key_prefix + full_id, queue]
        argv: list[bytes | str | int] = [
            defer_ms + self.redis.expires_extra_ms,
            payload,
            now_ms + defer_ms,
            full_id,
        ]
        return bool(await self._enqueue_script(keys=keys, args=argv))

    async def _free_after_failure(self, full_id: str) -> bool:
        """arq refuses an id for the hour it keeps the result. After a success that is right (the job is not
        run twice), but a job that failed (its database was restarting, say) must run again when the sweeper
        asks, or the event would wait an hour: drop a failed result so the id is free."""
        if await self.redis.exists(job_key_prefix + full_id, in_progress_key_prefix + full_id):
            return False
        result = await Job(full_id, self.redis).result_info()
        if result is None or result.success:
            return False
        return bool(await self.redis.delete(result_key_prefix + full_id))

    async def close(self) -> None:
        await self.redis.aclose(close_connection_pool=True)


class InlineQueue:
    """Embedded backend: jobs run as asyncio tasks in this process, with arq's Retry semantics."""

    def __init__(
        self,
        jobs: Mapping[str, JobFunc],
        *,
        ctx: dict[str, Any],
        concurrency: Mapping[str, int] | None = None,
        max_tries: int = 5,
    ) -> None:
        self.jobs = jobs
        self.ctx = ctx
        self.max_tries = max_tries
        limits = {"io": 16, "llm": 1, "transcribe": 1, **(concurrency or {})}
        self._slots = {name: asyncio.Semaphore(limits[name]) for name in QUEUES}
        self._queued: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._due: dict[asyncio.Task[None], float] = {}  # when each task's job is due to start (monotonic)
        self.failed: list[tuple[str, str]] = []  # (job_id, error) of jobs that gave up

    async def enqueue(
        self, job: str, *args: Any, job_id: str, queue: str = "io", defer_s: float | None = None
    ) -> bool:
        queue_name("inline", queue)
        if job not in self.jobs:
            log.debug("job %s is not installed in this build: %s not queued", job, job_id)
            return False
        if job_id in self._queued:
            return False
        self._queued.add(job_id)
        task = asyncio.create_task(self._run(job, args, job_id, queue, defer_s, time.monotonic()))
        self._tasks.add(task)
        self._due[task] = time.monotonic() + (defer_s or 0)
        task.add_done_callback(self._forget)
        return True

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._due.pop(task, None)

    async def _run(
        self, job: str, args: tuple[Any, ...], job_id: str, queue: str, defer_s: float | None, enqueued: float
    ) -> None:
        try:
            for job_try in range(1, self.max_tries + 1):
                if defer_s:
                    await asyncio.sleep(defer_s)
                async with self._slots[queue]:
                    JOB_LATENCY_SECONDS.labels(job).observe(time.monotonic() - enqueued)
                    started = time.monotonic()
                    try:
                        await self.jobs[job]({**self.ctx, "job_id": job_id, "job_try": job_try}, *args)
                        return
                    except Retry as retry:
                        defer_s = _seconds(retry.defer_score)
                    except Exception as exc:
                        log.exception("job %s failed", job_id)
                        self.failed.append((job_id, repr(exc)))
                        return
                    finally:
                        JOB_SECONDS.labels(job).observe(time.monotonic() - started)
            self.failed.append((job_id, f"gave up after {self.max_tries} tries"))
        finally:
            self._queued.discard(job_id)

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait until no job is queued or running (jobs may enqueue more jobs), but for those deferred past
        the timeout (a broadcast scheduled for tomorrow): they are not due yet."""
        deadline = time.monotonic() + timeout
        while due := {task for task in self._tasks if self._due.get(task, 0) <= deadline}:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(due)} inline jobs still running")
            await asyncio.wait(due, timeout=remaining)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _seconds(defer_score: int | None) -> float:
    # arq keeps the Retry delay in milliseconds.
    return (defer_score or 0) / 1000
