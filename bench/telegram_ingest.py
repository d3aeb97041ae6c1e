"""Telegram webhook ingest vs the generic API channel, in the same run and the same okno: acknowledged
deliveries/s at N concurrent senders, then the time until every delivery is parsed and accepted.

One okno (SQLite, inline queue) on loopback with an API account and a telegram account; each channel gets the
same number of client messages of the same text. Prints a table; the last line is one JSON object.

    python bench/telegram_ingest.py [--events 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from channels.telegram.routes import SECRET_HEADER, webhook_path  # noqa: E402
from okno.app import build_app  # noqa: E402
from okno.services import Services, build_services  # noqa: E402
from okno.settings import load_settings  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repos.accounts import add_channel_account  # noqa: E402

TEXT = "Добрый день! Нужен акт сверки, заявка {i}. ООО «Ромашка», ИНН 7707083893, до пятницы."
API_TOKEN, TG_SECRET = "bench-api-token", "bench-telegram-secret"


def api_body(i: int, run: str) -> bytes:
    body = {
        "event_id": f"{run}-{i}",
        "sender": {"id": f"client-{i % 500}", "name": "Клиент"},
        "text": TEXT.format(i=i),
    }
    return json.dumps(body, ensure_ascii=False).encode()


def telegram_body(i: int, run: str) -> bytes:
    user = {"id": 10_000 + i % 500, "is_bot": False, "first_name": "Клиент"}
    message = {
        "message_id": i,
        "from": user,
        "chat": {"id": user["id"], "type": "private"},
        "date": int(time.time()),
        "text": TEXT.format(i=i),
    }
    return json.dumps(
        {"update_id": int(run, 16) % 10**6 * 10**5 + i, "message": message}, ensure_ascii=False
    ).encode()


async def open_okno(workdir: Path) -> tuple[Services, aiohttp.web.AppRunner, str]:
    settings = load_settings(
        data_dir=workdir,
        database_url=f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        secret_key=None,
        queue={"backend": "inline", "sweep_min_age_s": 600},
    )
    services = await build_services(settings, backend="inline")
    await upgrade(services.db)
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="api",
            name="bench",
            config={},
            secrets={"inbound_token": API_TOKEN, "webhook_secret": "x"},
        )
        await add_channel_account(
            session,
            box=services.box,
            channel="telegram",
            name="bench",
            config={"mode": "webhook"},
            secrets={"bot_token": "1:bench", "webhook_secret": TG_SECRET},
        )
        await session.commit()
    runner = aiohttp.web.AppRunner(build_app(services, sweep=False), access_log=None)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return services, runner, f"http://127.0.0.1:{port}"


async def run_channel(
    services: Services,
    url: str,
    headers: dict[str, str],
    make: Callable[[int, str], bytes],
    n: int,
    concurrency: int,
) -> dict[str, float]:
    run = uuid.uuid4().hex[:6]
    counter = iter(range(n))
    failures = 0

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal failures
        for i in counter:
            async with http.post(url, data=make(i, run), headers=headers) as response:
                await response.read()
                failures += response.status >= 300

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        acked = time.perf_counter() - started
        assert services.inline is not None
        await services.inline.drain(timeout=600)
        done = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{failures} of {n} deliveries to {url} failed")
    return {"acked_per_s": n / acked, "ingested_per_s": n / done}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="okno-bench-tg-") as tmp:
        services, runner, base = await open_okno(Path(tmp))
        api = (
            f"{base}/api/v1/inbound",
            {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
            api_body,
        )
        tg = (
            base + webhook_path("bench"),
            {SECRET_HEADER: TG_SECRET, "Content-Type": "application/json"},
            telegram_body,
        )
        try:
            for url, headers, make in (
                api,
                tg,
            ):  # warm-up: connections, caches, first clients and conversations
                await run_channel(services, url, headers, make, min(200, args.events), args.concurrency)
            runs: dict[str, list[dict[str, float]]] = {"api": [], "telegram": []}
            # ABBA order: the database grows during the run, so neither channel always gets the emptier one.
            for name in ["api", "telegram", "telegram", "api"][: 2 * args.rounds]:
                url, headers, make = api if name == "api" else tg
                runs[name].append(
                    await run_channel(services, url, headers, make, args.events, args.concurrency)
                )
            results = {name: {k: sum(r[k] for r in rs) / len(rs) for k in rs[0]} for name, rs in runs.items()}
            for name, r in results.items():
                print(
                    f"  {name:<9} {r['acked_per_s']:>8.0f} acked/s   {r['ingested_per_s']:>8.0f} ingested/s",
                    flush=True,
                )
        finally:
            await runner.cleanup()
            await services.close()
    ratio = {k: results["telegram"][k] / results["api"][k] for k in ("acked_per_s", "ingested_per_s")}
    print(f"  telegram/api ratio: acked {ratio['acked_per_s']:.2f}, ingested {ratio['ingested_per_s']:.2f}")
    return {
        "bench": "telegram_ingest",
        "rounds": args.rounds,
        "events": args.events,
        "concurrency": args.concurrency,
        "db": "sqlite",
        "queue": "inline",
        **{f"{c}_{k}": round(v, 1) for c, r in results.items() for k, v in r.items()},
        "ratio_acked": round(ratio["acked_per_s"], 3),
        "ratio_ingested": round(ratio["ingested_per_s"], 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, choices=(1, 2), default=2, help="2: api, tg, tg, api (mean)")
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
