"""The one entry point of a message: dedupe -> identity -> conversation -> request -> store -> follow-ups."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from intake.identity import resolve_contact
from intake.policy import IntakePolicy
from intake.request_link import attach_to_request
from intake.schema import AttachmentRef, CallInfo, InboundMessage
from storage.db import Database
from storage.models import Attachment, Call, Conversation, Message, Outbox, ProcessedEvent
from storage.repos.accounts import staff_by_extension
from storage.repos.blocking import is_blocked
from storage.repos.broadcasts import stop_after_broadcast
from storage.repos.clients import client_ids_of, mark_reachable
from storage.repos.conversations import (
    attachments_of,
    conversation_by_key,
    message_by_key,
    messages_of_request,
    processed_event,
)
from storage.repos.outbox import later_status, outbox_by_platform_id, record_delivery

log = logging.getLogger(__name__)
MAX_TRIES = 5

# "again": this very delivery was accepted by an earlier run of its ingest job (see _again).
Outcome = Literal["created", "updated", "duplicate", "orphan", "again"]


@dataclass(frozen=True)
class FollowUp:
    """A job to enqueue once the accepting transaction has committed."""

    job: str
    args: tuple[int, ...]
    job_id: str
    queue: str


@dataclass(frozen=True)
class Accepted:
    outcome: Outcome
    message_id: int | None = None
    request_id: int | None = None
    follow_ups: tuple[FollowUp, ...] = field(default_factory=tuple)


async def accept(db: Database, msg: InboundMessage, *, policy: IntakePolicy) -> Accepted:
    """Idempotent on (channel, account, event_id): a redelivery changes nothing and says 'duplicate'."""
    for attempt in range(1, MAX_TRIES + 1):
        async with db.session() as session:
            seen = await processed_event(
                session, channel=msg.channel, account=msg.account, event_id=msg.event_id
            )
            if seen is not None:
                if msg.raw_event_id is not None and seen.raw_event_id == msg.raw_event_id:
                    return await _again(session, msg, seen)
                return Accepted("duplicate")
            try:
                result = await _accept_once(session, msg, policy=policy)
                await session.commit()
                return result
            except IntegrityError:
                # A concurrent copy (or a concurrent first message of the same sender) won; look again.
                await session.rollback()
                log.debug("accept %s:%s retry %d after a conflict", msg.channel, msg.event_id, attempt)
    raise RuntimeError(f"accept {msg.channel}:{msg.event_id} kept conflicting after {MAX_TRIES} tries")


async def _again(session: AsyncSession, msg: InboundMessage, seen: ProcessedEvent) -> Accepted:
    """The same delivery accepted by an earlier run of its ingest job (killed after the commit, or swept
    while still running): nothing is stored twice, and its follow-ups are handed out again — the earlier run
    may have died before queueing them; their job ids are deterministic, so a queued one is not doubled."""
    message = await session.get(Message, seen.message_id) if seen.message_id else None
    if message is None:
        return Accepted("again")
    return Accepted(
        "again",
        message_id=message.id,
        request_id=message.request_id,
        follow_ups=_follow_ups(msg, message.id or 0, message.request_id),
    )


async def _accept_once(session: AsyncSession, msg: InboundMessage, *, policy: IntakePolicy) -> Accepted:
    marker = ProcessedEvent(
        channel=msg.channel, account=msg.account, event_id=msg.event_id, raw_event_id=msg.raw_event_id
    )
    session.add(marker)
    await session.flush()  # the unique key: concurrent copies stop here
    existing = await message_by_key(
        session, channel=msg.channel, account=msg.account, message_key=msg.message_key, for_update=True
    )
    if msg.kind in ("edit", "status", "reaction"):
        result = await _apply_update(session, msg, existing)
    elif existing is not None:
        result = await _merge_late_part(session, msg, existing)
    else:
        result = await _store_new(session, msg, policy=policy)
    marker.message_id = result.message_id
    return result


async def _apply_update(session: AsyncSession, msg: InboundMessage, target: Message | None) -> Accepted:
    if msg.kind == "status":
        return await _apply_status(session, msg, target)
    if target is None:
        log.info(
            "%s %s refers to unknown message %s: kept as raw only", msg.channel, msg.kind, msg.message_key
        )
        return Accepted("orphan")
    if msg.kind == "edit":
        target.edit_history = [
            *target.edit_history,
            {"text": target.text, "edited_at": msg.sent_at.isoformat()},
        ]
        target.text = msg.text
    else:
        target.reactions = [
            *target.reactions,
            {"by": msg.sender.external_id, "reaction": msg.text, "at": msg.sent_at.isoformat()},
        ]
    return Accepted("updated", message_id=target.id, request_id=target.request_id)


async def _apply_status(session: AsyncSession, msg: InboundMessage, target: Message | None) -> Accepted:
    outbox: Outbox | None = await outbox_by_platform_id(
        session, channel=msg.channel, account=msg.account, platform_message_id=msg.message_key
    )
    if outbox is not None and msg.status and later_status(outbox.status, msg.status):
        outbox.status = msg.status
        if msg.status == "failed":
            outbox.last_error = msg.text
    if target is None and outbox is not None and outbox.message_id is not None:
        # the platform names the sent message by its own id (a wamid, a bounced Message-ID): our reply's
        # timeline message is the Outbox row's
        target = await session.get(Message, outbox.message_id)
    if target is not None:
        if msg.status:
            await record_delivery(session, message_id=target.id, status=msg.status)
        # the platform took our reply and failed it later (WhatsApp's «undeliverable»): the staff topic hears
        late_failure = msg.status == "failed" and target.direction == "outbound" and target.request_id
        follow_ups = (_failed_reply(target.id or 0),) if late_failure else ()
        return Accepted("updated", message_id=target.id, request_id=target.request_id, follow_ups=follow_ups)
    return Accepted("updated" if outbox else "orphan")


def _failed_reply(message_id: int) -> FollowUp:
    """bots/staff/mirror.mirror_reply posts the failure into the request's topic (a no-op without one)."""
    return FollowUp("mirror_reply", (message_id,), f"mirror_reply:{message_id}:failed", "io")


async def _merge_late_part(session: AsyncSession, msg: InboundMessage, message: Message) -> Accepted:
    """A later event about the same message (album part, call ended, recording ready): add, never lose.
    Parts arrive in any order; attachments are kept in the platform's order where it gives one."""
    existing = list(await attachments_of(session, message_id=message.id or 0))
    known = {(a.platform_ref, a.filename) for a in existing}
    added = [
        _attachment(message.id or 0, ref, 0)
        for ref in msg.attachments
        if (ref.file_id or ref.url, ref.filename) not in known
    ]
    for attachment in added:
        session.add(attachment)
    if added:
        ordered = sorted([*existing, *added], key=lambda a: (a.platform_order is None, a.platform_order or 0))
        for position, attachment in enumerate(ordered):
            attachment.position = position
    if msg.text and not message.text:
        message.text = msg.text
    follow_ups: list[FollowUp] = []
    stored_call = msg.call is not None and await _store_call(session, message.id or 0, msg.call)
    author = message.author_contact_id
    if author is not None and await is_blocked(session, contact_id=author):  # spam: kept, not worked on
        return Accepted("updated", message_id=message.id, request_id=message.request_id)
    if stored_call:
        follow_ups.append(transcribe_follow_up(message.id or 0))  # "recording ready" comes after the call
    if any(a.platform_ref for a in added):
        follow_ups.append(fetch_follow_up(message.id or 0, msg.event_id))
    return Accepted(
        "updated", message_id=message.id, request_id=message.request_id, follow_ups=tuple(follow_ups)
    )


async def _store_new(session: AsyncSession, msg: InboundMessage, *, policy: IntakePolicy) -> Accepted:
    contact = await resolve_contact(session, msg, region=policy.region)
    if msg.status in ("reachable", "unreachable"):  # a status event never gets here: it updates a message
        await mark_reachable(
            session,
            channel=msg.channel,
            account=msg.account,
            external_id=msg.sender.external_id,
            reachable=msg.status == "reachable",
            at=msg.sent_at,
        )
    conversation = await _conversation(session, msg, contact_id=contact.id or 0)
    # Blocked as spam: kept (the message and its raw payload), but no request, no alert, no one told.
    blocked = contact.blocked_at is not None
    # «СТОП» in answer to a broadcast: kept, the client gets no more broadcasts, and there is nothing to do.
    stopped = not blocked and await stop_after_broadcast(
        session,
        contact_id=contact.id or 0,
        conversation_id=conversation.id or 0,
        text=msg.text,
        at=msg.sent_at,
    )
    # Service messages are history, not requests (DESIGN.md).
    attached = (
        None
        if msg.kind == "system" or blocked or stopped
        else await attach_to_request(session, msg, contact, policy=policy)
    )
    request = attached.request if attached else None
    refile: list[int] = []  # the request's earlier messages, indexed under no client, filed under this one's
    if attached is not None and attached.client_linked:
        earlier = await messages_of_request(session, request_id=attached.request.id or 0)
        refile = [m.id for m in earlier if m.id is not None]
    if request is not None and conversation.client_id is None:
        conversation.client_id = request.client_id
    message = Message(
        conversation_id=conversation.id or 0,
        request_id=request.id if request else None,
        channel=msg.channel,
        account=msg.account,
        message_key=msg.message_key,
        direction="inbound",
        author_contact_id=contact.id,
        kind=msg.kind,
        subject=msg.thread_hints.subject,
        text=msg.text,
        sent_at=msg.sent_at,
        reply_to_key=msg.reply_to_key,
        raw_event_id=msg.raw_event_id,
    )
    session.add(message)
    await session.flush()
    for position, ref in enumerate(msg.attachments):
        session.add(_attachment(message.id or 0, ref, position))
    if msg.call is not None:
        await _store_call(session, message.id or 0, msg.call)
    return Accepted(
        "created",
        message_id=message.id,
        request_id=request.id if request else None,
        follow_ups=()
        if blocked
        else (
            *_follow_ups(msg, message.id or 0, request.id if request else None),
            *(_thanks(attached.request.id or 0) if attached is not None and attached.rated else ()),
            *(_off_hours(attached.request.id or 0) if attached is not None and attached.opened else ()),
            *_refiled(refile, request.client_id if request else None),
            *(_stop_confirmed(message.id or 0) if stopped else ()),
        ),
    )


def _thanks(request_id: int) -> tuple[FollowUp, ...]:
    """The client rated the done request: okno thanks them in their channel (workers/survey.py)."""
    return (FollowUp("thank_for_rating", (request_id,), f"thank_for_rating:{request_id}", "io"),)


def _off_hours(request_id: int) -> tuple[FollowUp, ...]:
    """A request opened: the client is told when it will be answered if the company is closed now
    (workers/off_hours.py; it decides, by the company's settings and calendar)."""
    return (FollowUp("off_hours_notice", (request_id,), f"off_hours_notice:{request_id}", "io"),)


def _stop_confirmed(message_id: int) -> tuple[FollowUp, ...]:
    """The client's «СТОП» to a broadcast: okno answers that they are off the list (workers/broadcasts.py)."""
    return (FollowUp("confirm_broadcast_stop", (message_id,), f"confirm_broadcast_stop:{message_id}", "io"),)


def _refiled(message_ids: list[int], client_id: int | None) -> tuple[FollowUp, ...]:
    """index_message again for messages indexed before their request had a client (retrieval asks by
    client: a client's first message without its INN was otherwise never found), once per client."""
    return tuple(
        FollowUp("index_message", (i,), f"index_message:{i}:client:{client_id}", "llm") for i in message_ids
    )


async def _conversation(session: AsyncSession, msg: InboundMessage, *, contact_id: int) -> Conversation:
    conversation = await conversation_by_key(
        session, channel=msg.channel, account=msg.account, conversation_key=msg.conversation_key
    )
    if conversation is None:
        client_ids = await client_ids_of(session, contact_id=contact_id)
        conversation = Conversation(
            channel=msg.channel,
            account=msg.account,
            conversation_key=msg.conversation_key,
            contact_id=contact_id,
            client_id=client_ids[0] if client_ids else None,
        )
        session.add(conversation)
    conversation.last_message_at = max(conversation.last_message_at or msg.sent_at, msg.sent_at)
    await session.flush()
    return conversation


def _attachment(message_id: int, ref: AttachmentRef, position: int) -> Attachment:
    return Attachment(
        message_id=message_id,
        position=position,
        kind=ref.kind,
        filename=ref.filename,
        mime=ref.mime,
        size=ref.size,
        blob_sha256=ref.blob_key,
        platform_ref=ref.file_id or ref.url,
        platform_order=ref.order,
    )


async def _store_call(session: AsyncSession, message_id: int, info: CallInfo) -> bool:
    """Create or complete the call record; later PBX events fill in what earlier ones did not know.
    True when this event brought the first recording (so it is time to transcribe)."""
    call = (await session.execute(select(Call).where(col(Call.message_id) == message_id))).scalars().first()
    if call is None:
        call = Call(message_id=message_id, direction=info.direction)
        session.add(call)
    had_recording = call.recording_ref is not None
    for field_name in (
        "from_number",
        "to_number",
        "started_at",
        "answered_at",
        "ended_at",
        "duration_s",
        "recording_ref",
        "operator_extension",
    ):
        value = getattr(info, field_name)
        if value is not None:
            setattr(call, field_name, value)
    call.missed = call.direction == "inbound" and call.answered_at is None and call.ended_at is not None
    if info.operator_extension and call.operator_staff_id is None:
        call.operator_staff_id = await staff_by_extension(session, extension=info.operator_extension)
    return not had_recording and call.recording_ref is not None


def _follow_ups(msg: InboundMessage, message_id: int, request_id: int | None) -> tuple[FollowUp, ...]:
    jobs: list[FollowUp] = []
    if msg.text and request_id is not None:
        jobs.append(FollowUp("analyze_message", (message_id,), f"analyze_message:{message_id}", "llm"))
        jobs.append(
            FollowUp("fill_request_form", (request_id, message_id), f"fill_request_form:{message_id}", "llm")
        )
    if msg.text:
        jobs.append(FollowUp("index_message", (message_id,), f"index_message:{message_id}", "llm"))
    if msg.call is not None and msg.call.recording_ref:
        jobs.append(transcribe_follow_up(message_id))
    if msg.kind != "system":  # the staff forum mirrors every client message (a no-op without a staff bot)
        jobs.append(FollowUp("mirror_to_topic", (message_id,), f"mirror_to_topic:{message_id}", "io"))
    if any(ref.blob_key is None and (ref.file_id or ref.url) for ref in msg.attachments):
        jobs.append(fetch_follow_up(message_id, msg.event_id))
    return tuple(jobs)


def transcribe_follow_up(message_id: int) -> FollowUp:
    return FollowUp("transcribe_call", (message_id,), f"transcribe_call:{message_id}", "transcribe")


def fetch_follow_up(message_id: int, event_id: str) -> FollowUp:
    """Files the platform holds go to blob storage through the channel's own job (workers/attachments)."""
    return FollowUp("fetch_attachments", (message_id,), f"fetch_attachments:{message_id}:{event_id}", "io")
