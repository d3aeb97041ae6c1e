"""`okno eval`: run a labelled set through a chain (or the bare model) and print the figures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.chains.conflict import Turn, analyze_conflict, bare_conflict
from assistant.chains.tasks import bare_tasks, extract_tasks
from assistant.evals.metrics import Scored, Tally, roc_auc, threshold_sweep
from assistant.evals.rag_eval import IndexAt, eval_rag
from assistant.kind_hints import KindHints
from assistant.llm import ChatRunner, LlmFailed

SETS = Path(__file__).parent / "sets"
Echo = Callable[[str], None]


def default_file(kind: str, split: str = "test") -> Path:
    return SETS / f"{kind}.{split}.jsonl"


def load_cases(path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc}") from None


def _channel(case: dict[str, Any]) -> str:
    channel = str(case.get("channel", "chat"))
    return {"telephony": "call", "telegram": "chat", "whatsapp": "chat", "api": "chat"}.get(channel, channel)


async def eval_conflicts(
    runner: ChatRunner,
    cases: list[dict[str, Any]],
    *,
    bare: bool,
    echo: Echo,
    threshold: float | None = None,
    hints: KindHints | None = None,
) -> dict[str, Any]:
    tally = Tally()
    category_hits = evidence_exact = evidence_kept = failures = 0
    scored: list[Scored] = []  # a local model's P(conflict) per case, for the ranking and the sweep
    for case in cases:
        context = [Turn(t["speaker"], t["text"]) for t in case.get("context", [])]
        started = time.perf_counter()
        try:
            if bare:
                result = await bare_conflict(runner, case["text"])
            else:
                result = await analyze_conflict(
                    runner,
                    case["text"],
                    channel=_channel(case),
                    context=context,
                    threshold=threshold,
                    hints=hints,
                )
        except LlmFailed as exc:
            failures += 1
            tally.count(False, bool(case["conflict"]))
            if runner.scorer is not None and not bare:
                scored.append((0.0, False, bool(case["conflict"])))  # the sweep counts it as the figures do
            echo(f"{case['id']}: FAILED {exc}")
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.prompt_tokens.append(result.usage.prompt_tokens)
        tally.completion_tokens.append(result.usage.completion_tokens)
        tally.evaluated_tokens.append(result.usage.evaluated_tokens)
        # bare: the model's own verdict; okno: an alert needs a verified quote
        predicted = result.verdict.conflict if bare else result.alert
        expected = bool(case["conflict"])
        tally.count(predicted, expected)
        if result.confidence is not None:
            scored.append((result.confidence, predicted, expected))
        if predicted and expected:
            category_hits += result.verdict.category == case.get("category")
            evidence_exact += result.evidence_check == "exact"
            evidence_kept += result.evidence is not None and result.evidence in case["text"]
        mark = "ok " if predicted == expected else "ERR"
        p = "" if result.confidence is None else f" p={result.confidence:.2f}"
        echo(
            f"{mark} {case['id']} expect={expected} got={predicted}{p} {result.verdict.category} "
            f"q={result.evidence!r:.60} ({result.evidence_check})"
        )
    figures: dict[str, Any] = tally.figures()
    figures["category_accuracy_tp"] = round(category_hits / tally.tp, 3) if tally.tp else 0.0
    # the model's own quote verbatim; then the quote the alert carries (after repair), on true positives
    figures["evidence_exact_tp"] = round(evidence_exact / tally.tp, 3) if tally.tp else 0.0
    figures["evidence_verified_tp"] = round(evidence_kept / tally.tp, 3) if tally.tp else 0.0
    figures["failures"] = failures
    if not bare and runner.scorer is not None:
        run_at = runner.conflict_threshold if threshold is None else threshold
        figures["threshold"] = run_at
        if scored:
            # a company choosing OKNO_LLM__CONFLICT_THRESHOLD on its own staff's verdicts reads these
            figures["roc_auc"] = roc_auc(scored)
            figures["thresholds"] = threshold_sweep(scored, run_at)
    return figures


Pair = tuple[str | None, str | None]


def _same(want: Pair, got: Pair) -> bool:
    # a date-only expectation compares dates: the hour of "end of day" is a setting, not a fact
    due_ok = want[1] == got[1] or bool(want[1] and got[1] and len(want[1]) == 10 and got[1][:10] == want[1])
    return want[0] == got[0] and due_ok


def _matches(want: list[Pair], got: list[Pair]) -> bool:
    """Exact on assignee + due for every expected task, nothing extra."""
    left = list(got)
    for w in want:
        found = next((g for g in left if _same(w, g)), None)
        if found is None:
            return False
        left.remove(found)
    return not left


async def eval_tasks(
    runner: ChatRunner, cases: list[dict[str, Any]], *, bare: bool, echo: Echo
) -> dict[str, Any]:
    tally = Tally()
    exact = failures = 0
    extract = bare_tasks if bare else extract_tasks
    for case in cases:
        now = datetime.fromisoformat(case["now"])
        started = time.perf_counter()
        try:
            out = await extract(runner, case["text"], author=case["author"], staff=case["staff"], now=now)
        except LlmFailed as exc:
            failures += 1
            tally.count(False, bool(case["expect"]))
            echo(f"{case['id']}: FAILED {exc}")
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.prompt_tokens.append(out.usage.prompt_tokens)
        tally.completion_tokens.append(out.usage.completion_tokens)
        tally.count(bool(out.tasks), bool(case["expect"]))
        want = [(e["assignee"], e["due"]) for e in case["expect"]]
        got = [(t.assignee, t.due.label() if t.due else None) for t in out.tasks]
        hit = _matches(want, got)
        exact += hit
        echo(f"{'ok ' if hit else 'ERR'} {case['id']} want={want} got={got}")
    figures: dict[str, Any] = tally.figures()
    figures["exact_assignee_due"] = round(exact / len(cases), 3) if cases else 0.0
    figures["failures"] = failures
    return figures


async def run_eval(
    kind: str,
    runner: ChatRunner,
    path: Path,
    *,
    bare: bool,
    echo: Echo,
    threshold: float | None = None,
    index_at: IndexAt | None = None,  # rag: a fresh index in a folder (the configured embedding)
    hints: KindHints | None = None,  # conflicts: the kind hints of the configured embedding
) -> dict[str, Any]:
    cases = list(load_cases(path))
    if kind == "conflicts":
        figures = await eval_conflicts(runner, cases, bare=bare, echo=echo, threshold=threshold, hints=hints)
    elif kind == "tasks":
        figures = await eval_tasks(runner, cases, bare=bare, echo=echo)
    elif kind == "rag":
        if index_at is None:
            raise ValueError("the rag eval needs index_at")
        figures = await eval_rag(runner, cases, bare=bare, echo=echo, index_at=index_at)
    else:
        from assistant.evals.summary_eval import eval_summary

        figures = await eval_summary(runner, cases, bare=bare, echo=echo)
    return {"eval": kind, "file": path.name, "bare": bare, **figures}
