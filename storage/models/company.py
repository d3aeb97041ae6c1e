"""Company-wide settings an admin changes in the web UI (SLA, business hours, assignment): JSON per key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class CompanySetting(SQLModel, table=True):
    __tablename__ = "company_setting"

    key: str = Field(primary_key=True, max_length=50)  # "sla" | "assignment" | "assignment_cursor"
    value: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_by_id: int | None = Field(default=None, foreign_key="staff.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
