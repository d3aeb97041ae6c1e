"""A person's data (152-FZ, GDPR access requests): find the person by id, phone, email or channel identity,
and gather everything okno holds about them. `storage/repos/forget.py` removes it."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from storage.models import (
    Alert,
    Attachment,
    AuditLog,
    Broadcast,
    Call,
    ChannelIdentity,
    ClientContact,
    Contact,
    ContactMerge,
    Conversation,
    Message,
    Outbox,
    ProcessedEvent,
    RawEvent,
    Request,
    RequestNote,
    Task,
    TranscriptSegment,
)
from storage.repos.clients import contact_group, survivor_of

EXPORT_FORMAT = "okno-person/1"


class PersonNotFound(LookupError):
    pass


@dataclass
class Person:
    """A person as okno holds them: the surviving contact and every contact merged into it, and the ids of
    what hangs off them (conversations with them, messages in those, their requests)."""

    contact_id: int
    contact_ids: list[int]
    conversation_ids: list[int] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)
    call_ids: list[int] = field(default_factory=list)
    raw_event_ids: list[int] = field(default_factory=list)


def _phone(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


async def _contact_by(session: AsyncSession, who: str, region: str) -> int | None:
    """CONTACT as the CLI takes it: `42` (contact id), `+79161234567` (phone), `ivan@example.ru`, or a channel
    identity `telegram:5011` / `telegram:clients:5011`."""
    who = who.strip()
    if who.isdigit() and len(who) < 10:
        return int(who) if await session.get(Contact, int(who)) is not None else None
    if "@" in who and ":" not in who:
        email = who.lower()
        found = await session.execute(
            select(Contact.id).where(col(Contact.email) == email).order_by(col(Contact.id)).limit(1)
        )
        contact_id = found.scalar()
        if contact_id is None:
            query = select(ChannelIdentity.contact_id).where(col(ChannelIdentity.email) == email)
            contact_id = (await session.execute(query.limit(1))).scalar()
        return contact_id
    if ":" in who:
        channel, _, rest = who.partition(":")
        account, _, external = rest.rpartition(":")
        query = select(ChannelIdentity.contact_id).where(
            col(ChannelIdentity.channel) == channel, col(ChannelIdentity.external_id) == external
        )
        if account:
            query = query.where(col(ChannelIdentity.account) == account)
        return (await session.execute(query.limit(1))).scalar()
    phone = _phone(who, region)
    if phone is None:
        return None
    found = await session.execute(
        select(Contact.id).where(col(Contact.phone) == phone).order_by(col(Contact.id)).limit(1)
    )
    contact_id = found.scalar()
    if contact_id is None:
        query = select(ChannelIdentity.contact_id).where(col(ChannelIdentity.phone) == phone)
        contact_id = (await session.execute(query.limit(1))).scalar()
    return contact_id


async def _ids(session: AsyncSession, column: Any, *where: Any) -> list[int]:
    rows = await session.execute(select(column).where(*where).distinct())
    return sorted(int(i) for i in rows.scalars().all() if i is not None)


async def find_person(session: AsyncSession, *, who: str, region: str = "RU") -> Person:
    """The person CONTACT names, with their whole merge group; PersonNotFound when okno holds nobody."""
    found = await _contact_by(session, who, region)
    if found is None:
        raise PersonNotFound(f"no contact matches {who!r} (a contact id, +phone, email or channel:id)")
    survivor = await survivor_of(session, contact_id=found)
    contacts = await contact_group(session, contact_id=survivor.id or 0)
    person = Person(survivor.id or 0, sorted(contacts))
    person.conversation_ids = await _ids(session, Conversation.id, col(Conversation.contact_id).in_(contacts))
    person.message_ids = await _ids(
        session,
        Message.id,
        or_(
            col(Message.conversation_id).in_(person.conversation_ids),
            col(Message.author_contact_id).in_(contacts),
        ),
    )
    person.request_ids = await _ids(session, Request.id, col(Request.contact_id).in_(contacts))
    person.call_ids = await _ids(session, Call.id, col(Call.message_id).in_(person.message_ids))
    person.raw_event_ids = sorted(
        set(await _ids(session, Message.raw_event_id, col(Message.id).in_(person.message_ids)))
        | set(
            await _ids(
                session, ProcessedEvent.raw_event_id, col(ProcessedEvent.message_id).in_(person.message_ids)
            )
        )
    )
    return person


def _row(model: SQLModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude={"body", "api_token_sha256", "password_hash"})


async def _rows(session: AsyncSession, model: type[SQLModel], *where: Any) -> list[dict[str, Any]]:
    query = select(model).where(*where).order_by(col(model.id))  # type: ignore[attr-defined]
    return [_row(r) for r in (await session.execute(query)).scalars().all()]


def _raw(event: RawEvent) -> dict[str, Any]:
    row = _row(event)
    try:
        row["body_text"] = event.body.decode("utf-8")
    except UnicodeDecodeError:
        row["body_base64"] = base64.b64encode(event.body).decode()
    return row


async def export_person(session: AsyncSession, person: Person) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data (blob keys listed; the CLI adds the files)."""
    contacts, requests = person.contact_ids, person.request_ids
    raws = (
        await session.execute(select(RawEvent).where(col(RawEvent.id).in_(person.raw_event_ids)))
    ).scalars()
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "contact_id": person.contact_id,
        "contacts": await _rows(session, Contact, col(Contact.id).in_(contacts)),
        "identities": await _rows(session, ChannelIdentity, col(ChannelIdentity.contact_id).in_(contacts)),
        "client_links": [
            r.model_dump(mode="json")
            for r in (
                await session.execute(
                    select(ClientContact).where(col(ClientContact.contact_id).in_(contacts))
                )
            ).scalars()
        ],
        "merges": await _rows(
            session,
            ContactMerge,
            or_(col(ContactMerge.survivor_id).in_(contacts), col(ContactMerge.merged_id).in_(contacts)),
        ),
        "conversations": await _rows(
            session, Conversation, col(Conversation.id).in_(person.conversation_ids)
        ),
        "messages": await _rows(session, Message, col(Message.id).in_(person.message_ids)),
        "attachments": await _rows(session, Attachment, col(Attachment.message_id).in_(person.message_ids)),
        "calls": await _rows(session, Call, col(Call.id).in_(person.call_ids)),
        "transcripts": await _rows(
            session, TranscriptSegment, col(TranscriptSegment.call_id).in_(person.call_ids)
        ),
        "requests": await _rows(session, Request, col(Request.id).in_(requests)),
        "request_notes": await _rows(session, RequestNote, col(RequestNote.request_id).in_(requests)),
        "tasks": await _rows(session, Task, _linked(Task, person)),
        "alerts": await _rows(session, Alert, _linked(Alert, person)),
        "outbox": await _rows(session, Outbox, col(Outbox.message_id).in_(person.message_ids)),
        "raw_events": [_raw(r) for r in raws],
        "audit": await _rows(session, AuditLog, _audited(person)),
    }
    data["blobs"] = blob_keys(data)
    return data


def _linked(model: type[Task] | type[Alert], person: Person) -> Any:
    return or_(
        col(model.request_id).in_(person.request_ids), col(model.source_message_id).in_(person.message_ids)
    )


def _audited(person: Person) -> Any:
    return or_(
        (col(AuditLog.entity) == "contact") & col(AuditLog.entity_id).in_(person.contact_ids),
        (col(AuditLog.entity) == "request") & col(AuditLog.entity_id).in_(person.request_ids),
    )


def blob_keys(data: dict[str, Any]) -> list[str]:
    keys = {a["blob_sha256"] for a in data["attachments"] if a.get("blob_sha256")}
    keys |= {c["recording_sha256"] for c in data["calls"] if c.get("recording_sha256")}
    return sorted(keys)


async def blobs_in_use(
    session: AsyncSession, keys: Sequence[str], *, except_messages: Sequence[int]
) -> set[str]:
    """Which of these blobs other rows still point at (a blob is stored once per content, so two people may
    share one): those must stay when one person's copy goes."""
    if not keys:
        return set()
    attached = select(Attachment.blob_sha256).where(
        col(Attachment.blob_sha256).in_(keys), col(Attachment.message_id).not_in(except_messages)
    )
    recorded = select(Call.recording_sha256).where(
        col(Call.recording_sha256).in_(keys), col(Call.message_id).not_in(except_messages)
    )
    used = set((await session.execute(attached)).scalars().all())
    used |= set((await session.execute(recorded)).scalars().all())
    # a broadcast still to go (scheduled, or a repeating one's next occurrence) holds its files only by
    # reference until its copies are written: the one client who got the last occurrence's file may be gone
    waiting = select(Broadcast.attachments).where(
        col(Broadcast.written_at).is_(None), col(Broadcast.cancelled_at).is_(None)
    )
    for refs in (await session.execute(waiting)).scalars().all():
        used |= {str(ref.get("blob_key")) for ref in refs or () if ref.get("blob_key") in keys}
    return {k for k in used if k}
