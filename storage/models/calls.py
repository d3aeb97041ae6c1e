"""Phone calls and their transcripts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Call(SQLModel, table=True):
    __tablename__ = "call"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    direction: str = Field(max_length=10)
    from_number: str | None = Field(default=None, max_length=32)
    to_number: str | None = Field(default=None, max_length=32)
    operator_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    operator_extension: str | None = Field(default=None, max_length=32)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_s: float | None = None
    missed: bool = False
    recording_ref: str | None = None
    recording_sha256: str | None = Field(default=None, max_length=64)
    transcript_status: str = Field(default="none", max_length=20)  # none | queued | running | done | failed
    transcript_progress: float = 0.0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TranscriptSegment(SQLModel, table=True):
    __tablename__ = "transcript_segment"
    __table_args__ = (UniqueConstraint("call_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    position: int
    speaker: str = Field(max_length=20)  # operator | client | unknown
    start_s: float
    end_s: float
    text: str
