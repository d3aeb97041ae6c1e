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
    # IANA name of their own zone (a branch in another city: times shown to them and deadlines they write are
    # theirs); None: the company's (intake/zones.py).
    timezone: str | None = Field(default=None, max_length=64)
    # "ru" | "en": the language they read okno in (the web, the staff bot, its notices); None: the company's.
    language: str | None = Field(default=None, max_length=2)
    # sha256 of the staff API token; the token itself is shown once and never stored.
    api_token_sha256: str | None = Field(default=None, max_length=64, unique=True)
    password_hash: str | None = None
    # Sessions signed in before it are signed out: a password reset ends what a lost laptop or a stolen
    # cookie still had open.
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffLoginLink(SQLModel, table=True):
    """A one-time link by email that lets a member set their web password: an invitation from an admin, or a
    reset they asked for. Only the token's sha256 is stored; a newer link voids the older ones."""

    __tablename__ = "staff_login_link"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_sha256: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=10)  # invite | reset
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Lease(SQLModel, table=True):
    """A named lease (leader lock) held by one process until it expires or is renewed."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(max_length=100)
    expires_at: datetime = Field(sa_type=UTCDateTime)
