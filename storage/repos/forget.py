"""`okno privacy forget`: a person's messages, recordings, transcripts, identities and raw payloads removed or
anonymised in one transaction, with an AuditLog entry that names no personal data. Request rows stay, emptied
of the person's words, so counts and response times still add up. The caller deletes the returned blobs and
vector ids after the commit (a failed commit then leaves nothing half-forgotten in the database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import (
    Alert,
    Attachment,
    AuditLog,
    Call,
    ChannelIdentity,
    ClientContact,
    ClientSummary,
    Contact,
    ContactMerge,
    Conversation,
    Message,
    Outbox,
    RawEvent,
    Request,
    RequestNote,
    Task,
    TranscriptSegment,
)
from storage.repos.audit import audit
from storage.repos.client_tags import drop_tags
from storage.repos.privacy import Person, blobs_in_use

FORGOTTEN = "privacy_forget"
FORGOTTEN_CHAT = "forgotten:"  # a forgotten person's conversation key: their chat id, phone or thread is gone
PURGED_HEADER = "X-Okno-Purged"


@dataclass
class Forgotten:
    contact_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)
    blobs: list[str] = field(default_factory=list)  # delete after the commit
    vector_ids: list[str] = field(default_factory=list)  # delete from the index after the commit


async def _count(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_person(session: AsyncSession, person: Person, *, staff_id: int | None = None) -> Forgotten:
    """Remove or anonymise everything about `person`; the caller commits."""
    out = Forgotten(person.contact_ids)
    messages, calls = person.message_ids, person.call_ids
    out.blobs = await _blob_keys(session, person)
    segments = (
        await session.execute(select(TranscriptSegment.id).where(col(TranscriptSegment.call_id).in_(calls)))
    ).scalars()
    out.vector_ids = [f"message:{m}" for m in messages] + [f"segment:{s}" for s in segments]
    c = out.counts
    c["transcript_segments"] = await _count(
        session, delete(TranscriptSegment).where(col(TranscriptSegment.call_id).in_(calls))
    )
    c["calls"] = await _count(
        session,
        update(Call)
        .where(col(Call.id).in_(calls))
        .values(from_number=None, to_number=None, recording_ref=None, recording_sha256=None),
    )
    c["attachments"] = await _count(
        session,
        update(Attachment)
        .where(col(Attachment.message_id).in_(messages))
        .values(filename=None, blob_sha256=None, platform_ref=None, fetch_note=FORGOTTEN),
    )
    c["messages"] = await _count(
        session,
        update(Message)
        .where(col(Message.id).in_(messages))
        .values(text=None, subject=None, edit_history=[], reactions=[], reply_to_key=None),
    )
    c["outbox"] = await _count(
        session,
        update(Outbox)
        .where(col(Outbox.message_id).in_(messages))
        .values(payload={}, conversation_key=FORGOTTEN, last_error=None),
    )
    c["raw_events"] = await _count(
        session,
        update(RawEvent)
        .where(col(RawEvent.id).in_(person.raw_event_ids))
        .values(body=b"", headers={PURGED_HEADER: FORGOTTEN}),
    )
    await _conversations(session, person)
    await _requests(session, person, c)
    await _contacts(session, person, c)
    await _unlinked_blobs(session, person, out)
    await audit(
        session,
        actor_id=staff_id,
        action="privacy.forget",
        entity="contact",
        entity_id=person.contact_id,
        details={"contact_ids": person.contact_ids, "counts": dict(c), "blobs": len(out.blobs)},
    )
    return out


async def _blob_keys(session: AsyncSession, person: Person) -> list[str]:
    attached = select(Attachment.blob_sha256).where(col(Attachment.message_id).in_(person.message_ids))
    recorded = select(Call.recording_sha256).where(col(Call.id).in_(person.call_ids))
    keys = set((await session.execute(attached)).scalars().all())
    keys |= set((await session.execute(recorded)).scalars().all())
    return sorted(k for k in keys if k)


async def _unlinked_blobs(session: AsyncSession, person: Person, out: Forgotten) -> None:
    """Keep a blob another person's row still points at (content-addressed storage shares equal files)."""
    shared = await blobs_in_use(session, out.blobs, except_messages=person.message_ids)
    out.blobs = [k for k in out.blobs if k not in shared]


async def _conversations(session: AsyncSession, person: Person) -> None:
    # The key is the person's chat id, phone or mail thread: a new message from them opens a new conversation.
    for conversation_id in person.conversation_ids:
        await session.execute(
            update(Conversation)
            .where(col(Conversation.id) == conversation_id)
            .values(conversation_key=f"{FORGOTTEN_CHAT}{conversation_id}")
        )


async def _requests(session: AsyncSession, person: Person, c: dict[str, int]) -> None:
    requests = person.request_ids
    c["requests"] = await _count(
        session,
        update(Request)
        .where(col(Request.id).in_(requests))
        .values(what=None, company_name=None, inn=None, notes=[], field_sources={}),
    )
    c["request_notes"] = await _count(
        session, delete(RequestNote).where(col(RequestNote.request_id).in_(requests))
    )
    linked_tasks = col(Task.request_id).in_(requests) | col(Task.source_message_id).in_(person.message_ids)
    c["tasks"] = await _count(session, update(Task).where(linked_tasks).values(title="—", description=None))
    linked_alerts = col(Alert.request_id).in_(requests) | col(Alert.source_message_id).in_(person.message_ids)
    c["alerts"] = await _count(
        session, update(Alert).where(linked_alerts).values(evidence_quote=None, details={})
    )
    redacted = (col(AuditLog.entity) == "request") & col(AuditLog.entity_id).in_(requests)
    redacted |= (col(AuditLog.entity) == "contact") & col(AuditLog.entity_id).in_(person.contact_ids)
    c["audit_redacted"] = await _count(
        session, update(AuditLog).where(redacted).values(details={"redacted": FORGOTTEN})
    )


async def _contacts(session: AsyncSession, person: Person, c: dict[str, int]) -> None:
    contacts = person.contact_ids
    clients = list(
        (
            await session.execute(
                select(ClientContact.client_id).where(col(ClientContact.contact_id).in_(contacts))
            )
        ).scalars()
    )
    # A company's rolling summary quotes this person: drop it, the assistant rebuilds it from what is left.
    c["client_summaries"] = await _count(
        session, delete(ClientSummary).where(col(ClientSummary.client_id).in_(clients))
    )
    c["client_links"] = await _count(
        session, delete(ClientContact).where(col(ClientContact.contact_id).in_(contacts))
    )
    await _alone_clients(session, clients, c)
    c["identities"] = await _count(
        session, delete(ChannelIdentity).where(col(ChannelIdentity.contact_id).in_(contacts))
    )
    await session.execute(
        update(ContactMerge)
        .where(col(ContactMerge.survivor_id).in_(contacts) | col(ContactMerge.merged_id).in_(contacts))
        .values(evidence=None, moved={}, reason=FORGOTTEN)
    )
    c["contacts"] = await _count(
        session,
        update(Contact)
        .where(col(Contact.id).in_(contacts))
        .values(display_name=None, phone=None, email=None),
    )


async def _alone_clients(session: AsyncSession, clients: list[int], c: dict[str, int]) -> None:
    """A client that was this person alone (an ИП, a private client) loses the tags staff put on them, and the
    audit rows of those tags their words: a company whose other people remain keeps its tags («УСН»)."""
    left = select(ClientContact.client_id).where(col(ClientContact.client_id).in_(clients))
    remaining = set((await session.execute(left)).scalars().all())
    alone = [client_id for client_id in clients if client_id not in remaining]
    c["client_tags"] = await drop_tags(session, client_ids=alone)
    tagged = (col(AuditLog.entity) == "client") & col(AuditLog.entity_id).in_(alone)
    tagged &= col(AuditLog.action).in_(("client.tag", "client.untag"))
    c["audit_redacted"] += await _count(
        session, update(AuditLog).where(tagged).values(details={"redacted": FORGOTTEN})
    )
