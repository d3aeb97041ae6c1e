"""Who changed what: every staff action and every automated change to a request, task or alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_kind: str = Field(max_length=20)  # staff | system | assistant | parser
    actor_id: int | None = None
    action: str = Field(max_length=50)
    entity: str = Field(max_length=30)
    entity_id: int | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
