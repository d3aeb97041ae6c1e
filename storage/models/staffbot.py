"""The staff bot's own records: one-time invites, forum topics per conversation, delivered notices (the
idempotency key of every message the bot sends on its own), and proposals awaiting a staff member's ✅."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class StaffInvite(SQLModel, table=True):
    """A one-time join code: only its sha256 is stored; the code is shown once by `okno staff invite`."""

    __tablename__ = "staff_invite"

    id: int | None = Field(default=None, primary_key=True)
    code_sha256: str = Field(max_length=64, unique=True)
    role: str = Field(default="manager", max_length=20)
    name: str | None = Field(default=None, max_length=255)
    # an existing member (a web user, a PBX extension, their requests): the code connects their Telegram
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ForumTopic(SQLModel, table=True):
    """One forum topic in the staff supergroup per client conversation; `request_id` follows its latest
    request, so /done, /assign and /due in the topic act on what the client is asking now."""

    __tablename__ = "forum_topic"
    __table_args__ = (UniqueConstraint("chat_id", "message_thread_id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", unique=True)
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_thread_id: int
    name: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffNotice(SQLModel, table=True):
    """A message the staff bot sends by itself (alert, reminder, digest, mirrored client message), keyed so a
    redelivered job does not send it twice; pending -> sent | failed."""

    __tablename__ = "staff_notice"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=30, index=True)  # alert | escalation | sla | task_reminder | digest | mirror
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    alert_id: int | None = Field(default=None, foreign_key="alert.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    telegram_message_id: int | None = None
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffDraft(SQLModel, table=True):
    """What the assistant proposed to a staff member (a task card): nothing exists until they press ✅."""

    __tablename__ = "staff_draft"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    kind: str = Field(default="task", max_length=20)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="open", max_length=20)  # open | confirmed | cancelled
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
