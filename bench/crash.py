"""The crash test in full: a burst of mixed inbound events (API, Telegram, WhatsApp, PBX webhooks, mail over
IMAP) while `okno serve` / `okno worker` are SIGKILLed every few seconds and restarted, Redis restarted
once and PostgreSQL once; then every event must be stored exactly once and every reply sent at least once.
Prints the counts; last line: one JSON object. Exit status 1 when a promise is broken.

    .venv/bin/python -m bench.crash --events 10000 --db postgres
    .venv/bin/python -m bench.crash --events 10000 --db postgres --serves 2 --workers 3   # more than one box
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.reliability.harness.run import CrashConfig, run_crash  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--serves", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=float, default=None, help="seconds to spread the burst over")
    parser.add_argument("--kill-every", type=float, default=4.0, help="seconds between kills")
    parser.add_argument("--kill-listen", action="store_true", help="also kill the `okno listen` leader once")
    parser.add_argument("--replies", type=int, default=None, help="staff replies queued during the burst")
    parser.add_argument("--settle-timeout", type=float, default=600.0)
    parser.add_argument("--keep", type=Path, default=None, help="keep logs and data in this directory")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = CrashConfig(
        events=args.events,
        db=args.db,
        serves=args.serves,
        workers=args.workers,
        duration_s=args.duration or max(30.0, args.events / 40),
        kill_every_s=args.kill_every,
        kill_listen=args.kill_listen,
        replies=args.replies if args.replies is not None else max(20, args.events // 20),
        settle_timeout_s=args.settle_timeout,
        keep_dir=args.keep,
    )
    report = asyncio.run(run_crash(config))
    print("\n".join(report.lines()))
    print(json.dumps(report.summary(), ensure_ascii=False))
    return 1 if report.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
