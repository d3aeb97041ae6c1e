"""Broadcasts («рассылки»): one notice to many clients at once — a tax deadline, new bank details, the
holiday hours — each copy sent in the channel the client last wrote from, as a reply is, and kept in their
history. Who got it, and who did not and why, stays on its recipient rows (workers/broadcasts.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Broadcast(SQLModel, table=True):
    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    # The preview's one-time key: a second press of «Отправить» finds this row instead of sending it again.
    key: str = Field(max_length=64, unique=True)
    text: str
    subject: str | None = Field(default=None, max_length=255)  # an email's subject
    # `name:lang | param | …` for WhatsApp clients outside the 24-hour window (free text is refused there)
    whatsapp_template: str | None = Field(default=None, max_length=500)
    # who it went to: {"channels": [...], "since_days": n, "team": head id or null}
    audience: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # when its copies were written (workers/broadcasts.send_broadcast); none yet: queued, or waiting for
    # send_at
    written_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # files every copy carries (AttachmentRef dicts: blob_key, filename, mime, size, kind)
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    send_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # scheduled; none: at once
    # called off before its copies were written: nothing goes out
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by_id: int | None = Field(default=None, foreign_key="staff.id")
    # one of workers.broadcasts.REPEATS (kept as "monthly;bymonthday=31" once a month end was clamped, as a
    # task's rule):
    # when its copies are written, the next occurrence is stored and scheduled (workers/broadcasts.py)
    repeat: str | None = Field(default=None, max_length=40)
    # the occurrence this one follows; unique: an occurrence has one successor however often its job runs
    previous_id: int | None = Field(default=None, foreign_key="broadcast.id", unique=True, index=True)


class BroadcastRecipient(SQLModel, table=True):
    __tablename__ = "broadcast_recipient"

    broadcast_id: int = Field(foreign_key="broadcast.id", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    channel: str = Field(max_length=20)
    message_id: int | None = Field(default=None, foreign_key="message.id")  # the copy sent; its Outbox row
    skipped: str | None = Field(default=None, max_length=40)  # why nothing went: "whatsapp_window", …
