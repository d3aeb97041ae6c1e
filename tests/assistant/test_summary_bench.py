"""bench/summary_cost.py runs against the chain as it is (a fake model; token counts, not timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.chains.summary import BATCH, MAX_NEW

BENCH = Path(__file__).resolve().parents[2] / "bench" / "summary_cost.py"


def test_the_summary_cost_bench_runs_and_its_prompt_stays_flat() -> None:
    done = subprocess.run(  # noqa: S603 (this interpreter, the repository's own bench)
        [sys.executable, str(BENCH)], capture_output=True, text=True, timeout=100
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["growth"] <= 1.2
    assert all(row["backlog_fold_calls"] <= MAX_NEW // BATCH for row in figures["rows"])
