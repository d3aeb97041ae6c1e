"""Everything okno sends, written in the same transaction as the action that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow

# pending -> sent -> delivered -> read ; pending -> failed (gave up, reason kept)
OUTBOX_STATUSES = ("pending", "sent", "delivered", "read", "failed")


class Outbox(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    account: str = Field(max_length=100)
    conversation_key: str = Field(max_length=255)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    # Sends that went out again after a crash between the platform's answer and our commit.
    repeated_sends: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    platform_message_id: str | None = Field(default=None, max_length=255, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sending_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
