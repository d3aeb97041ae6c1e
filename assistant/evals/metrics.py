"""Figures an eval prints: precision, recall, F1, accuracy, latency percentiles, tokens."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    latencies: list[float] = field(default_factory=list)
    prompt_tokens: list[int] = field(default_factory=list)
    completion_tokens: list[int] = field(default_factory=list)
    evaluated_tokens: list[int] = field(default_factory=list)  # prompt tokens not served by the prefix cache

    def count(self, predicted: bool, expected: bool) -> None:
        if predicted and expected:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1

    def figures(self) -> dict[str, float | int]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total = self.tp + self.fp + self.fn + self.tn
        return {
            "cases": total,
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "accuracy": round((self.tp + self.tn) / total, 3) if total else 0.0,
            **latency_figures(self.latencies),
            "prompt_tokens_mean": round(statistics.mean(self.prompt_tokens or [0]), 1),
            "completion_tokens_mean": round(statistics.mean(self.completion_tokens or [0]), 1),
            "evaluated_tokens_mean": round(statistics.mean(self.evaluated_tokens or [0]), 1),
        }


def latency_figures(latencies: list[float]) -> dict[str, float]:
    """p50 and p95 of the per-case wall times, in seconds."""
    lat = sorted(latencies) or [0.0]
    return {
        "latency_p50_s": round(statistics.median(lat), 2),
        "latency_p95_s": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2),
    }


Scored = tuple[float, bool, bool]  # (the model's P(conflict), alerted at the run's threshold, a conflict)


def roc_auc(scored: list[Scored]) -> float | None:
    """How well P(conflict) ranks the labelled conflicts above the calm cases (ties count half); None
    without both."""
    positives = sum(1 for _p, _alert, expected in scored if expected)
    negatives = len(scored) - positives
    if not positives or not negatives:
        return None
    # Mann-Whitney: the conflicts' rank sum among all scores (tied scores share their mean rank), O(n log n)
    # for a company's file of thousands of verdicts
    ranked = sorted(scored, key=lambda s: s[0])
    rank_sum, start = 0.0, 0
    while start < len(ranked):
        end = start
        while end < len(ranked) and ranked[end][0] == ranked[start][0]:
            end += 1
        rank_sum += (start + 1 + end) / 2 * sum(1 for _p, _alert, expected in ranked[start:end] if expected)
        start = end
    return round((rank_sum - positives * (positives + 1) / 2) / (positives * negatives), 3)


def threshold_sweep(scored: list[Scored], start: float, step: float = 0.05) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 had the alerts started at each threshold from the run's one up.

    An alert at a higher threshold is one of this run's alerts whose P(conflict) reaches it, so the figures
    are exact without running the model again; below the run's threshold no quote was read (run the eval
    with a lower --threshold to see those)."""
    sweep: dict[str, dict[str, float]] = {}
    top = max((p for p, _alert, _expected in scored), default=0.0)  # above it nothing would be alerted
    steps = 0
    while (threshold := round(start + steps * step, 3)) < 1.0 and threshold <= top:
        tally = Tally()
        for p, alert, expected in scored:
            tally.count(alert and p >= threshold, expected)
        figures = tally.figures()
        sweep[f"{threshold:.2f}"] = {k: figures[k] for k in ("precision", "recall", "f1")}
        steps += 1
    return sweep
