"""Ingest benchmark: POST /api/v1/inbound vs a bare aiohttp handler inserting one row into the same DB.

For each database (SQLite, PostgreSQL) and queue backend (arq on Redis, inline): peak acknowledged events/s at
32 concurrent clients, and ack latency p50/p99 at a paced rate (default 200 events/s). Servers run as separate
processes (`okno serve`, bench/bare_server.py); this process only sends. Prints a table; last line: JSON.

    python bench/ingest.py [--events 5000] [--dbs sqlite,postgres] [--backends arq,inline]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from storage.crypto import SecretBox  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repos.accounts import add_channel_account  # noqa: E402
from storage.scratch import scratch_postgres  # noqa: E402

PG_ADMIN = os.environ.get("OKNO_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("OKNO_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def database(kind: str, workdir: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        return
    async with scratch_postgres(PG_ADMIN, prefix="okno_bench") as url:
        yield url


async def prepare(url: str, key: str) -> str:
    """Migrate and add an API account; returns its inbound token."""
    db = Database(url)
    await upgrade(db)
    token = secrets.token_urlsafe(16)
    async with db.session() as session:
        await add_channel_account(
            session,
            box=SecretBox(key),
            channel="api",
            name="bench",
            config={},
            secrets={"inbound_token": token, "webhook_secret": "x"},
        )
        await session.commit()
    await db.dispose()
    return token


async def wait_ready(url: str, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.returncode is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                async with http.get(url) as resp:
                    if resp.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


@asynccontextmanager
async def server(cmd: list[str], env: dict[str, str], probe: str) -> AsyncIterator[None]:
    proc = await asyncio.create_subprocess_exec(
        *cmd, env={**os.environ, **env}, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        await wait_ready(probe, proc)
        yield
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            proc.kill()


def body(i: int, run: str) -> bytes:
    return json.dumps(
        {
            "event_id": f"{run}-{i}",
            "sender": {"id": f"client-{i % 500}", "name": "Клиент"},
            "text": f"Добрый день! Нужен акт сверки, заявка {i}. ООО «Ромашка», ИНН 7707083893, до пятницы.",
        },
        ensure_ascii=False,
    ).encode()


async def peak(url: str, headers: dict[str, str], n: int, concurrency: int) -> float:
    run = uuid.uuid4().hex[:6]
    counter = iter(range(n))
    errors = 0

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        for i in counter:
            async with http.post(url, data=body(i, run), headers=headers) as resp:
                await resp.read()
                errors += resp.status >= 300

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{errors} of {n} requests failed at {url}")
    return n / elapsed


async def paced(url: str, headers: dict[str, str], n: int, rate: float) -> tuple[float, float]:
    """Open-loop: request i is sent at i/rate seconds whatever happened before; latency per request."""
    run = uuid.uuid4().hex[:6]
    latencies: list[float] = []

    async def one(http: aiohttp.ClientSession, i: int, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        sent = time.perf_counter()
        async with http.post(url, data=body(i, run), headers=headers) as resp:
            await resp.read()
            if resp.status >= 300:
                raise RuntimeError(f"{url} answered {resp.status}")
        latencies.append((time.perf_counter() - sent) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as http:
        start = time.perf_counter() + 0.2
        await asyncio.gather(*(one(http, i, start + i / rate) for i in range(n)))
    latencies.sort()
    return statistics.median(latencies), latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


async def measure(name: str, url: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    await peak(
        url, headers, min(200, args.events), args.concurrency
    )  # warm-up: connections, caches, JIT-less
    eps = await peak(url, headers, args.events, args.concurrency)
    p50, p99 = await paced(url, headers, args.paced_events, args.rate)
    print(f"  {name:<28} {eps:>9.0f} ev/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms", flush=True)
    return {"eps": eps, "p50_ms": p50, "p99_ms": p99}


async def bench_db(
    kind: str, backends: list[str], args: argparse.Namespace, workdir: Path
) -> list[dict[str, Any]]:
    results = []
    async with database(kind, workdir) as bare_url:
        port = free_port()
        async with server(
            [sys.executable, "bench/bare_server.py", bare_url, str(port)],
            {},
            f"http://127.0.0.1:{port}/nowhere",
        ):
            bare = await measure(f"{kind}: bare handler", f"http://127.0.0.1:{port}/bare", {}, args)
    for backend in backends:
        key = SecretBox.new_key()
        async with database(kind, workdir) as url:
            token = await prepare(url, key)
            port, prefix = free_port(), f"okno-bench-{uuid.uuid4().hex[:6]}"
            env = {
                "OKNO_DATABASE_URL": url,
                "OKNO_SECRET_KEY": key,
                "OKNO_DATA_DIR": str(workdir),
                "OKNO_QUEUE__BACKEND": backend,
                "OKNO_QUEUE__REDIS_URL": REDIS_URL,
                "OKNO_QUEUE__PREFIX": prefix,
                "OKNO_LOG_LEVEL": "WARNING",
            }
            cmd = [sys.executable, "-m", "okno", "serve", "--port", str(port)]
            async with server(cmd, env, f"http://127.0.0.1:{port}/healthz"):
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                okno = await measure(
                    f"{kind}: okno ({backend})", f"http://127.0.0.1:{port}/api/v1/inbound", headers, args
                )
            await drop_redis_prefix(prefix)
        results.append(
            {
                "db": kind,
                "backend": backend,
                "okno_eps": round(okno["eps"]),
                "bare_eps": round(bare["eps"]),
                "ratio": round(okno["eps"] / bare["eps"], 3),
                "p50_ms": round(okno["p50_ms"], 1),
                "p99_ms": round(okno["p99_ms"], 1),
                "bare_p99_ms": round(bare["p99_ms"], 1),
            }
        )
    return results


async def drop_redis_prefix(prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    # the queues ({prefix}:io, …) and arq's job and result keys (arq:job:{prefix}:…, arq:result:…)
    keys = [k async for k in redis.scan_iter(match=f"*{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


def table(rows: list[dict[str, Any]], target: Callable[[dict[str, Any]], str]) -> None:
    print(
        "\n db        backend  okno ev/s  bare ev/s  ratio  p50 ms  p99 ms  "
        "target (arq: ratio>=0.5, p99<50ms)"
    )
    for r in rows:
        print(
            f" {r['db']:<9} {r['backend']:<8} {r['okno_eps']:>9} {r['bare_eps']:>10} {r['ratio']:>6} "
            f"{r['p50_ms']:>7} {r['p99_ms']:>7}  {target(r)}"
        )


def verdict(row: dict[str, Any]) -> str:
    if row["backend"] != "arq":
        return "(for comparison)"
    return "met" if row["ratio"] >= 0.5 and row["p99_ms"] < 50 else "NOT met"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000, help="events per peak run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0, help="paced events/s")
    parser.add_argument("--paced-events", type=int, default=1000)
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--backends", default="arq,inline")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="okno-bench-") as tmp:
        for kind in args.dbs.split(","):
            print(
                f"{kind}: {args.events} events at {args.concurrency} clients, then {args.paced_events} "
                f"at {args.rate:.0f}/s",
                flush=True,
            )
            rows += await bench_db(kind, args.backends.split(","), args, Path(tmp))
    table(rows, verdict)
    arq_rows = [r for r in rows if r["backend"] == "arq"] or rows
    worst = min(arq_rows, key=lambda r: r["ratio"])
    print(
        json.dumps(
            {
                "bench": "ingest",
                "db": ",".join(args.dbs.split(",")),
                "ratio": worst["ratio"],
                "p99_ms": max(r["p99_ms"] for r in arq_rows),
                "events": args.events,
                "runs": rows,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
