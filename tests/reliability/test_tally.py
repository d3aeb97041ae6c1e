"""The crash run's job count: a job finished twice is a broken promise unless its first worker was killed in
the moment between arq's "←" line and arq's acknowledgement (arq logs first, then writes to Redis)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.reliability.harness.tally import JobLines


def _line(at: float, mark: str, ref: str) -> str:
    stamp = datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S,%f")[:23]
    return f"{stamp} INFO arq.worker:   0.01s {mark} {ref}:ingest(7)"  # arq: "<job id>:<function>(args)"


def _log(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / f"{name}.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_finish_followed_by_its_workers_kill_is_a_rerun_not_a_double(tmp_path: Path) -> None:
    t = 1_800_000_000.0
    jobs = JobLines()
    jobs.read(
        "worker-1",
        _log(tmp_path, "w1", _line(t, "→", "p:ingest:7"), _line(t + 1, "←", "p:ingest:7")),
        [t + 1.2],
    )
    jobs.read(
        "worker-2",
        _log(tmp_path, "w2", _line(t + 40, "→", "p:ingest:7"), _line(t + 41, "←", "p:ingest:7")),
        [],
    )
    assert jobs.twice() == []
    assert jobs.finished_then_killed() == ["p:ingest:7:ingest"]


def test_a_finish_with_no_kill_after_it_is_a_double(tmp_path: Path) -> None:
    t = 1_800_000_000.0
    jobs = JobLines()
    # worker-1 was killed, but a minute after it finished the job: arq had long acknowledged it
    jobs.read(
        "worker-1",
        _log(tmp_path, "w1", _line(t, "→", "p:ingest:8"), _line(t + 1, "←", "p:ingest:8")),
        [t + 60],
    )
    jobs.read(
        "worker-2", _log(tmp_path, "w2", _line(t + 2, "→", "p:ingest:8"), _line(t + 3, "←", "p:ingest:8")), []
    )
    assert jobs.twice() == ["p:ingest:8:ingest"]
    assert jobs.finished_then_killed() == []


def test_finishes_in_different_redis_lifetimes_are_different_jobs(tmp_path: Path) -> None:
    t = 1_800_000_000.0
    jobs = JobLines()
    jobs.read(
        "worker-1", _log(tmp_path, "w1", _line(t, "←", "p:ingest:9"), _line(t + 30, "←", "p:ingest:9")), []
    )
    assert jobs.twice(redis_back_at=[t + 10]) == []
    assert jobs.twice() == ["p:ingest:9:ingest"]
