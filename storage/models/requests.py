"""The unified request: what a client asked for, across channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow

REQUEST_STATUSES = ("new", "in_work", "waiting_client", "done", "cancelled")
OPEN_STATUSES = ("new", "in_work", "waiting_client")
FORM_FIELDS = ("company_name", "inn", "what", "due_at")


class Request(SQLModel, table=True):
    __tablename__ = "request"
    __table_args__ = (Index("ix_request_contact_status", "contact_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    contact_id: int = Field(foreign_key="contact.id")
    origin_channel: str = Field(max_length=20)
    company_name: str | None = Field(default=None, max_length=255)
    inn: str | None = Field(default=None, max_length=12)
    what: str | None = None
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="new", max_length=20, index=True)
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    # The head of the group whose line the request came in on (ChannelAccount.group_head_id), kept as it was.
    group_head_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_activity_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # While waiting_client: the date a manager gave the client ("ждём акты до 10.12"); None: the company's
    # client_wait_days from the request's last activity (set waiting, or our latest reminder).
    waiting_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The client's rating of the work once it is done (workers/survey.py asks, intake/rating.py reads the
    # answer): when okno asked, the score 1..5, what the client added to it, when they answered.
    survey_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rating: int | None = None
    rating_comment: str | None = Field(default=None, max_length=500)
    rated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # {field: {"source": "parser" | "assistant" | "manager", "at": iso, "note": str?}}
    field_sources: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Notes the parser left for staff (e.g. an INN with a bad checksum).
    notes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class RequestNote(SQLModel, table=True):
    """An internal note on a request: written by staff (web UI or `/note` in the staff bot), never sent."""

    __tablename__ = "request_note"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    author_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    text: str
    source: str = Field(default="web", max_length=20)  # web | telegram | api
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
