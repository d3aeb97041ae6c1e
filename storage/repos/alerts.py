"""Which alerts are a client's open ones (shared by the staff bot's card and the summary's card), a staff
member's verdict on a conflict alert (shared by the web and the staff bot), and what the verdicts add up to
(the dashboard's figures; the eval export reads the model's own kind the same way)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from storage.models import Alert
from storage.models.work import OPEN_ALERT_STATUSES


def open_alerts_about(request_ids: Any, client_id: int | None = None) -> ColumnElement[bool]:
    """Not yet resolved or dismissed, about one of these requests (a select of ids) or, when given, about
    the client itself (an alert raised before a request existed)."""
    about: ColumnElement[bool] = col(Alert.request_id).in_(request_ids)
    if client_id is not None:
        about = or_(about, col(Alert.client_id) == client_id)
    return and_(about, col(Alert.status).in_(OPEN_ALERT_STATUSES))


def dismiss_conflict(alert: Alert, *, staff_id: int | None, now: datetime) -> None:
    """Not a conflict: dismissed, a false positive the evals learn from, by this staff member."""
    alert.status, alert.feedback = "dismissed", False
    alert.acked_by_id, alert.acked_at = staff_id, now


def confirm_conflict(alert: Alert, category: str, *, staff_id: int | None, now: datetime) -> None:
    """A conflict of this kind: a kind other than the alert's replaces it, and the model's own kind stays in
    `details["model_category"]` (also after a second correction); an alert new or dismissed before is
    acknowledged: somebody has looked at it (no escalation, no notice)."""
    if category != alert.category:
        alert.details = {"model_category": alert.category, **alert.details}
        alert.category = category
    alert.feedback = True
    alert.status = "acked"
    if alert.acked_by_id is None:
        alert.acked_by_id, alert.acked_at = staff_id, now


def model_category(alert: Alert) -> str | None:
    """The kind the assistant gave a conflict alert before any staff correction; "none" for a conflict it let
    pass that a staff member marked on the message."""
    if alert.details.get("marked_by_staff"):
        return "none"
    found = alert.details.get("model_category", alert.category)
    return str(found) if found is not None else None


@dataclass(frozen=True)
class Verdicts:
    """What the staff said about the assistant's conflict alerts."""

    confirmed: int = 0  # a conflict, as alerted
    corrected: int = 0  # of those, with the kind changed by a staff member
    dismissed: int = 0  # «Не конфликт»: a false alarm
    missed: int = 0  # a conflict the assistant let pass, marked on the message
    unjudged: int = 0

    @property
    def judged(self) -> int:
        return self.confirmed + self.dismissed + self.missed

    @property
    def precision(self) -> float | None:
        """The share of judged alerts that were conflicts; None before any."""
        alerted = self.confirmed + self.dismissed
        return self.confirmed / alerted if alerted else None


def verdicts(alerts: Iterable[Alert]) -> Verdicts:
    """The tally of the staff's verdicts on these conflict alerts."""
    confirmed = corrected = dismissed = missed = unjudged = 0
    for alert in alerts:
        model = model_category(alert)
        if model == "none":  # marked by staff, not alerted: a miss, or nothing if the mark was withdrawn
            missed += alert.feedback is True
        elif alert.feedback is None:
            unjudged += 1
        elif not alert.feedback:
            dismissed += 1
        else:
            confirmed += 1
            corrected += model != alert.category
    return Verdicts(confirmed, corrected, dismissed, missed, unjudged)
