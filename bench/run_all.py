"""Every benchmark in one table: figure, value, target, pass/fail; also written as JSON to
bench/results/latest.json.

Runs the benches that exist (each prints a JSON last line, parsed here) plus okno's own figures measured here:
end-to-end latency inbound -> request stored, and RSS of `okno serve` idle and under load.

    python bench/run_all.py [--quick] [--only ingest,telegram,transcribe,summary,staffbot,reindex,web,…,e2e]

--quick passes each bench its smallest settings (fine on a loaded 2-core box; numbers are then indicative)."""

from __future__ import annotations

import argparse
import asyncio
import json
import operator
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
# bench -> (script, normal args, quick args)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    # the targets are the arq path's (issue 3): the inline queue runs every job in the acking process
    "ingest": ("ingest.py", [], ["--events", "500", "--paced-events", "200", "--backends", "arq"]),
    "telegram": ("telegram_ingest.py", [], []),
    "transcribe": ("transcribe.py", [], []),
    "summary": ("summary_cost.py", [], []),
    "staffbot": ("staffbot.py", [], []),
    "reindex": ("reindex.py", [], ["--messages", "300"]),
    "web": ("web_pages.py", [], ["--requests", "1000", "--history", "200", "--views", "5"]),
    "broadcast": ("broadcast.py", [], ["--clients", "500", "--messages", "5"]),
}
COMPARE = {">=": operator.ge, "<=": operator.le, "<": operator.lt}
# figure (flattened JSON path) -> (comparison, bound, source issue)
TARGETS: dict[str, tuple[str, float, str]] = {
    "ingest.ratio": (">=", 0.5, "issue 3"),
    "ingest.p99_ms": ("<", 50.0, "issue 3"),
    "transcribe.x_realtime": (">=", 10.0, "issue 7"),
    "transcribe.ratio": (">=", 0.95, "issue 7"),
    "summary.growth": ("<=", 1.2, "issue 8"),
    "staffbot.p50_s": ("<=", 1.0, "issue 9"),
    "staffbot.incremental_first_s": ("<=", 5.0, "issue 9"),
    "staffbot.incremental_done_s": ("<=", 25.0, "issue 9"),
    "web.postgres.inbox_unanswered.p50_ms": ("<=", 200.0, "set here, no issue target"),
    "web.postgres.request_page.p50_ms": ("<=", 300.0, "set here, no issue target"),
    "e2e.inbound_to_request_p50_s": ("<=", 1.0, "set here, no issue target"),
    "e2e.inbound_to_request_p99_s": ("<=", 3.0, "set here, no issue target"),
    "e2e.serve_rss_idle_mb": ("<=", 300.0, "set here, no issue target"),
    "e2e.serve_rss_load_mb": ("<=", 500.0, "set here, no issue target"),
}


def _flatten(prefix: str, value: Any, out: dict[str, float]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        out[prefix] = float(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}", item, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(f"{prefix}.{index}", item, out)


def run_bench(name: str, quick: bool) -> dict[str, Any]:
    script, normal, small = BENCHES[name]
    path = ROOT / "bench" / script
    if not path.is_file():
        return {"error": f"{script} not present"}
    command = [sys.executable, str(path), *(small if quick else normal)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        result: dict[str, Any] = json.loads(lines[-1])
        return result
    except (IndexError, ValueError):
        return {"error": f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[-300:]}"}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _wait_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("okno serve did not start")


async def _e2e(url: str, api_token: str, staff_token: str, events: int) -> list[float]:
    """Each event on its own: POST, then poll the staff API until its request shows up."""
    latencies = []
    async with aiohttp.ClientSession() as http:
        for n in range(events):
            body = {"event_id": f"e2e-{n}", "sender": {"id": f"u{n}"}, "text": f"Нужен счёт №{n}"}
            started = time.perf_counter()
            async with http.post(
                f"{url}/api/v1/inbound", json=body, headers={"Authorization": f"Bearer {api_token}"}
            ):
                pass
            while time.perf_counter() - started < 30:
                async with http.get(
                    f"{url}/api/v1/requests?limit=500", headers={"Authorization": f"Bearer {staff_token}"}
                ) as r:
                    if len((await r.json())["requests"]) > n:
                        break
                await asyncio.sleep(0.01)
            latencies.append(time.perf_counter() - started)
    return latencies


async def _load(url: str, api_token: str, events: int) -> None:
    async with aiohttp.ClientSession() as http:

        async def one(n: int) -> None:
            body = {"event_id": f"load-{n}", "sender": {"id": f"l{n % 50}"}, "text": "нагрузка"}
            async with http.post(
                f"{url}/api/v1/inbound", json=body, headers={"Authorization": f"Bearer {api_token}"}
            ):
                pass

        for start in range(0, events, 32):
            await asyncio.gather(*(one(n) for n in range(start, min(events, start + 32))))


def e2e_figures(quick: bool) -> dict[str, Any]:
    """`okno serve` (SQLite, inline queue) in its own process: RSS idle, e2e latency, RSS under load."""
    workdir = Path(tempfile.mkdtemp(prefix="okno-bench-"))
    env = {**os.environ, "OKNO_DATA_DIR": str(workdir), "OKNO_LOG_LEVEL": "WARNING"}
    okno = [sys.executable, "-m", "okno"]
    subprocess.run([*okno, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603
    api = subprocess.run(  # noqa: S603
        [*okno, "channel", "add", "api", "bench", "--secret", "inbound_token=bench-api-token"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    staff = subprocess.run(  # noqa: S603
        [*okno, "staff", "add", "Bench", "--role", "manager", "--api-token"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if api.returncode or staff.returncode:
        return {"error": f"set-up failed: {(api.stderr or staff.stderr).strip()[-300:]}"}
    # "  api token: <token>   (shown once)"
    staff_token = next(line.split()[2] for line in staff.stdout.splitlines() if "api token:" in line)
    port = _port()
    server = subprocess.Popen([*okno, "serve", "--port", str(port)], env=env)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_wait_up(url))
        time.sleep(2)
        idle = _rss_mb(server.pid)
        latencies = sorted(asyncio.run(_e2e(url, "bench-api-token", staff_token, 20 if quick else 100)))
        asyncio.run(_load(url, "bench-api-token", 300 if quick else 3000))
        loaded = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    def p(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "inbound_to_request_p50_s": round(p(0.5), 4),
        "inbound_to_request_p99_s": round(p(0.99), 4),
        "serve_rss_idle_mb": round(idle, 1),
        "serve_rss_load_mb": round(loaded, 1),
    }


def table(results: dict[str, Any]) -> list[dict[str, Any]]:
    figures: dict[str, float] = {}
    rows = []
    for name, result in results.items():
        if "error" in result:
            rows.append(
                {"figure": name, "value": None, "target": None, "verdict": "error: " + result["error"]}
            )
            continue
        _flatten(name, result, figures)
    for figure, value in sorted(figures.items()):
        target = TARGETS.get(figure)
        verdict = "—"
        if target:
            op, bound, _source = target
            verdict = "pass" if COMPARE[op](value, bound) else "FAIL"
        shown = f"{target[0]} {target[1]} ({target[2]})" if target else None
        rows.append({"figure": figure, "value": value, "target": shown, "verdict": verdict})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join([*BENCHES, "e2e"]))
    args = parser.parse_args()
    chosen = [n.strip() for n in args.only.split(",") if n.strip()]
    results: dict[str, Any] = {}
    for name in chosen:
        started = time.monotonic()
        results[name] = e2e_figures(args.quick) if name == "e2e" else run_bench(name, args.quick)
        print(f"# {name}: {time.monotonic() - started:.0f}s", file=sys.stderr)
    rows = table(results)
    width = max((len(r["figure"]) for r in rows), default=10)
    print(f"{'figure':<{width}}  {'value':>12}  {'target':<24}  verdict")
    for r in rows:
        value = "" if r["value"] is None else f"{r['value']:.4g}"
        print(f"{r['figure']:<{width}}  {value:>12}  {r['target'] or '':<24}  {r['verdict']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"quick": args.quick, "results": results, "table": rows}, ensure_ascii=False, indent=2)
    )
    print(
        json.dumps(
            {
                "bench": "run_all",
                "quick": args.quick,
                "rows": len(rows),
                "failed": sum(r["verdict"] == "FAIL" for r in rows),
                "file": str(RESULTS.relative_to(ROOT)),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
