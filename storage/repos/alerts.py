"""Which alerts are a client's open ones: shared by the staff bot's card and the summary's card."""

from __future__ import annotations

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
