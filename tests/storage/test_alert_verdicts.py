"""What the staff's verdicts on conflict alerts add up to (the supervisor dashboard's figures)."""

from __future__ import annotations

from typing import Any

from storage.models import Alert
from storage.repos.alerts import Verdicts, model_category, verdicts


def conflict(category: str, feedback: bool | None, **details: Any) -> Alert:
    return Alert(kind="conflict", category=category, feedback=feedback, details=details)


def test_each_verdict_counts_once_and_a_withdrawn_mark_not_at_all() -> None:
    alerts = [
        conflict("missed_deadline", True),  # right as alerted
        conflict("churn_threat", True, model_category="missed_deadline"),  # right, kind corrected
        conflict("dissatisfaction", False),  # «Не конфликт»
        conflict("rudeness", True, marked_by_staff=True),  # a miss someone marked
        conflict("rudeness", False, marked_by_staff=True),  # a mark withdrawn: no miss, no false alarm
        conflict("legal_threat", None),  # not judged yet
    ]
    tally = verdicts(alerts)
    assert tally == Verdicts(confirmed=2, corrected=1, dismissed=1, missed=1, unjudged=1)
    assert tally.judged == 4 and tally.precision == 2 / 3
    assert [model_category(a) for a in alerts[1:4]] == ["missed_deadline", "dissatisfaction", "none"]
    assert verdicts([]).precision is None and verdicts([]).judged == 0
