"""Everything received, byte for byte, before it is parsed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow

# pending -> accepted | duplicate | unsupported | anomalous | failed (retried by the sweeper)
RAW_STATUSES = ("pending", "accepted", "duplicate", "unsupported", "anomalous", "failed")


class RawEvent(SQLModel, table=True):
    __tablename__ = "raw_event"
    __table_args__ = (Index("ix_raw_event_status_received", "status", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    account: str = Field(max_length=100)
    headers: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    body: bytes = Field(sa_type=LargeBinary)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=20)
    reason: str | None = None
    attempts: int = 0
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
