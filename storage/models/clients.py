"""Clients (companies), contacts (people) and the platform identities that point at them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class Client(SQLModel, table=True):
    """A client company. INN is unique when known."""

    __tablename__ = "client"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    inn: str | None = Field(default=None, max_length=12, unique=True)
    responsible_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Contact(SQLModel, table=True):
    """A person. A merged contact points at the survivor; its rows stay so a merge can be undone."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    display_name: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=20, index=True)  # E.164
    email: str | None = Field(default=None, max_length=320, index=True)  # lowercased
    merged_into_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Blocked as spam (storage/repos/blocking.py): their messages are stored, but open no request.
    blocked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    blocked_by_id: int | None = Field(default=None, foreign_key="staff.id")
    # Asked to get no broadcasts (a manager marks it on the request's page): service replies still go.
    broadcasts_off_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def label(self) -> str:
        """How the staff see the person: the name, else the phone or email, else the record's number (a
        call from a hidden number has none of them)."""
        return self.display_name or self.phone or self.email or f"#{self.id}"


class ClientContact(SQLModel, table=True):
    __tablename__ = "client_contact"

    client_id: int = Field(foreign_key="client.id", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClientTag(SQLModel, table=True):
    """A label staff put on a client («УСН», «ИП», «VIP», «дилер») to find a group of clients and write to
    them (a broadcast's audience). `key` is the tag as compared (casefolded: «УСН» and «усн» are one tag);
    `tag` is how it is shown, the company's first spelling (storage/repos/client_tags.py)."""

    __tablename__ = "client_tag"

    client_id: int = Field(foreign_key="client.id", primary_key=True)
    key: str = Field(max_length=120, primary_key=True, index=True)  # casefold may lengthen a word
    tag: str = Field(max_length=40)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChannelIdentity(SQLModel, table=True):
    """(channel, account, external user id) -> contact."""

    __tablename__ = "channel_identity"
    __table_args__ = (UniqueConstraint("channel", "account", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    account: str = Field(max_length=100)
    external_id: str = Field(max_length=255)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    display_name: str | None = Field(default=None, max_length=255)
    username: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=320)
    reachable: bool = True
    # When the platform said so (storage/repos/clients.mark_reachable): an older event never overrides it.
    reachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContactMerge(SQLModel, table=True):
    """A merge of `merged` into `survivor`, with what moved, so a manager can undo it."""

    __tablename__ = "contact_merge"

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int = Field(foreign_key="contact.id")
    merged_id: int = Field(foreign_key="contact.id")
    reason: str = Field(max_length=255)
    evidence: str | None = None
    moved: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    merged_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
