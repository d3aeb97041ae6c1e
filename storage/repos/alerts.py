"""Which alerts are a client's open ones (shared by the staff bot's card and the summary's card), and a staff
member's verdict on a conflict alert (shared by the web and the staff bot)."""

from __future__ import annotations

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
