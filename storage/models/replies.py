"""Saved replies («быстрые ответы»): the company's ready answers to the questions clients ask every day (the
bank details, the office hours, "the acts are on their way"), sent by a short code from the web or the staff
bot. Placeholders are filled per request when sent (workers/saved_replies.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class SavedReply(SQLModel, table=True):
    __tablename__ = "saved_reply"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)  # lowercase: "реквизиты", "hours"
    text: str
    author_id: int | None = Field(default=None, foreign_key="staff.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonalReply(SQLModel, table=True):
    """A member's own saved reply: the words they write every day in their own way. Their «/код» finds it
    before the company's of the same code; nobody else sees or sends it."""

    __tablename__ = "personal_reply"
    __table_args__ = (UniqueConstraint("staff_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    code: str = Field(max_length=32)
    text: str
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
