"""The crash test, CI form (tests/reliability/harness/run.py does the work; `python -m bench.crash` is the
full form with 10,000 events): at least 1,000 mixed inbound events while okno's processes are SIGKILLed and
restarted (at least 3 kills), Redis restarted once and PostgreSQL once; afterwards every event is stored
exactly once, every reply sent at least once with its repeats counted, and no arq job finished twice.

- SQLite: one `okno serve`, one `okno worker`, one `okno listen`.
- PostgreSQL, more than one box: two `okno serve` and three `okno worker` processes share the burst (the
  counts per process are printed), against the same private PostgreSQL and Redis."""

from __future__ import annotations

import pytest

from tests.reliability.harness.run import CrashConfig, run_crash

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(900)]
CI_EVENTS = 1000


async def test_crash_on_sqlite_loses_and_doubles_nothing() -> None:
    report = await run_crash(
        CrashConfig(events=CI_EVENTS, db="sqlite", duration_s=30, replies=30, settle_timeout_s=420)
    )
    print("\n".join(report.lines()))
    assert sum(report.kills.values()) >= 3 and report.redis_restarts == 1
    assert report.problems() == []


async def test_crash_on_postgres_with_two_servers_and_three_workers() -> None:
    config = CrashConfig(
        events=CI_EVENTS, db="postgres", serves=2, workers=3, duration_s=30, replies=30, settle_timeout_s=420
    )
    report = await run_crash(config)
    print("\n".join(report.lines()))
    assert sum(report.kills.values()) >= 3 and report.redis_restarts == 1 and report.postgres_restarts == 1
    assert len(report.acks_by_server) == 2, "both servers acknowledged deliveries"
    finished = [counts.get("finished", 0) for counts in report.jobs.per_process.values()]
    assert len(finished) == 3 and all(finished), f"all three workers ran jobs: {finished}"
    assert report.problems() == []
