"""Who receives (channel accounts) and who works (staff)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class ChannelAccount(SQLModel, table=True):
    """A connected bot, number, mailbox, PBX or API client. Secrets are Fernet-encrypted JSON."""

    __tablename__ = "channel_account"
    __table_args__ = (UniqueConstraint("channel", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20, index=True)
    name: str = Field(max_length=100)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    secrets_encrypted: str = Field(default="")
    active: bool = True
    # The group that answers this line (a WhatsApp number, a mailbox): its head's staff id. A new request from
    # it rotates among that group's managers, and while nobody has it, its alerts reach that head.
    group_head_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Staff(SQLModel, table=True):
    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    role: str = Field(default="manager", max_length=20)  # manager | supervisor | admin
    telegram_user_id: int | None = Field(default=None, unique=True)
    email: str | None = Field(default=None, max_length=320, unique=True)
    extension: str | None = Field(
        default=None, max_length=32, unique=True
    )  # PBX extension: calls -> operator
    active: bool = True
    # Round-robin assignment picks only managers on duty (off on leave, sick days…).
    on_duty: bool = True
    # Their руководитель: a conflict on their request, an SLA breach or an overdue task goes to this head
    # (then the head's own head) before the company's other supervisors (workers/notify.py).
    head_id: int | None = Field(default=None, foreign_key="staff.id")
    # sha256 of the staff API token; the token itself is shown once and never stored.
    api_token_sha256: str | None = Field(default=None, max_length=64, unique=True)
    password_hash: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Lease(SQLModel, table=True):
    """A named lease (leader lock) held by one process until it expires or is renewed."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(max_length=100)
    expires_at: datetime = Field(sa_type=UTCDateTime)
