"""Alerts named in words for people: a conflict by its category, other alerts by their kind."""

from __future__ import annotations

from assistant.schemas import CATEGORIES
from storage.alert_labels import CATEGORY_LABELS, alert_label, category_label


def test_every_category_the_assistant_writes_has_a_name() -> None:
    assert set(CATEGORY_LABELS) == set(CATEGORIES)


def test_labels_in_russian_by_default_and_in_english() -> None:
    assert alert_label("conflict", "churn_threat") == "угроза уйти"
    assert alert_label("conflict", "churn_threat", "en") == "threat to leave"
    # an SLA alert's category is a detail of its kind, not its name
    assert alert_label("sla_breach", "first_response") == "нет ответа дольше срока SLA"
    assert alert_label("missed_call", None, "en") == "missed call"
    assert alert_label("new_kind", None) == "new_kind"  # unknown: shown as stored, never hidden
    assert category_label("gossip") == "gossip" and category_label(None) == "—"
