"""The assistant's rolling client summary: the last summary and the newest message it covers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class ClientSummary(SQLModel, table=True):
    __tablename__ = "client_summary"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", unique=True)
    points: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)  # [{section, text, cites}]
    last_message_id: int = 0  # messages with a larger id are not in the summary yet
    messages_covered: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
