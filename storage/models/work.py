"""Staff work items: tasks and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Task(SQLModel, table=True):
    __tablename__ = "task"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=500)
    description: str | None = None
    author_id: int | None = Field(default=None, foreign_key="staff.id")
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    watcher_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="open", max_length=20, index=True)  # open | done | cancelled
    client_id: int | None = Field(default=None, foreign_key="client.id")
    request_id: int | None = Field(default=None, foreign_key="request.id")
    source_message_id: int | None = Field(default=None, foreign_key="message.id")
    # workers/recurrence.py: daily | weekly | monthly | quarterly | yearly (";bymonthday=31" on a month end)
    recurrence: str | None = Field(default=None, max_length=100)
    created_by_assistant: bool = False
    confirmed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


OPEN_ALERT_STATUSES = ("new", "acked")  # not yet resolved or dismissed


class Alert(SQLModel, table=True):
    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_request_category_status", "request_id", "category", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # conflict | sla_breach | overdue_task | missed_call
    severity: int = Field(default=2, ge=1, le=3)
    category: str | None = Field(default=None, max_length=50)
    evidence_quote: str | None = None  # an exact substring of the source text
    source_message_id: int | None = Field(default=None, foreign_key="message.id")
    source_segment_id: int | None = Field(default=None, foreign_key="transcript_segment.id")
    client_id: int | None = Field(default=None, foreign_key="client.id")
    request_id: int | None = Field(default=None, foreign_key="request.id")
    status: str = Field(default="new", max_length=20)  # new | acked | resolved | dismissed
    acked_by_id: int | None = Field(default=None, foreign_key="staff.id")
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalation_level: int = 0
    feedback: bool | None = None  # staff verdict: true or false positive
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
