"""Where the IMAP loop stands in each mailbox: UIDVALIDITY and the last UID stored as a RawEvent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class MailCursor(SQLModel, table=True):
    __tablename__ = "mail_cursor"
    __table_args__ = (UniqueConstraint("account", "mailbox"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=100)
    mailbox: str = Field(max_length=255)
    # Both are unsigned 32-bit numbers in IMAP: wider than PostgreSQL's integer.
    uidvalidity: int = Field(sa_type=BigInteger)
    last_uid: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
