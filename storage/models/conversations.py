"""Conversations (a platform thread) and the messages in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("channel", "account", "conversation_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    account: str = Field(max_length=100)
    conversation_key: str = Field(max_length=255)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Message(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("channel", "account", "message_key"),
        Index("ix_message_conversation_sent", "conversation_id", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id")
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    channel: str = Field(max_length=20)
    account: str = Field(max_length=100)
    message_key: str = Field(max_length=255)
    direction: str = Field(max_length=10)  # inbound | outbound
    author_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    author_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    kind: str = Field(max_length=20)
    subject: str | None = None  # email subject (thread hints), so a reply can answer "Re: …"
    text: str | None = None
    sent_at: datetime = Field(sa_type=UTCDateTime)
    reply_to_key: str | None = Field(default=None, max_length=255)
    raw_event_id: int | None = Field(default=None, foreign_key="raw_event.id")
    # Earlier versions of an edited message: [{"text": ..., "edited_at": ...}], oldest first.
    edit_history: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    # Reactions and delivery statuses applied to this message by later events.
    reactions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    delivery_status: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    position: int = 0
    kind: str = Field(max_length=20)
    filename: str | None = Field(default=None, max_length=255)
    mime: str | None = Field(default=None, max_length=255)
    size: int | None = None
    blob_sha256: str | None = Field(default=None, max_length=64, index=True)
    platform_ref: str | None = None  # file id or URL while the blob is not fetched yet
    platform_order: int | None = None  # where the platform puts this part (album parts arrive in any order)
    fetch_note: str | None = None  # why the file is not in blob storage (too large, expired…), when it is not


class ProcessedEvent(SQLModel, table=True):
    """The dedupe key of the inbound path: one row per (channel, account, event_id) ever accepted."""

    __tablename__ = "processed_event"
    __table_args__ = (UniqueConstraint("channel", "account", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    account: str = Field(max_length=100)
    event_id: str = Field(max_length=255)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    raw_event_id: int | None = Field(default=None, foreign_key="raw_event.id")
    accepted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
