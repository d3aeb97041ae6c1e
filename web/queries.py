"""What the pages read: the inbox rows a staff member may see, one client's timeline, request access."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import (
    Alert,
    Attachment,
    BroadcastRecipient,
    Call,
    Client,
    ClientContact,
    ClientTag,
    Contact,
    Conversation,
    Message,
    Outbox,
    Request,
    Staff,
    TranscriptSegment,
)
from storage.repos.clients import contact_group
from storage.repos.org_chart import group_of, in_group

QUEUES: dict[str, tuple[str, ...]] = {
    "unanswered": ("new",),
    "in_work": ("in_work", "new"),
    "waiting_client": ("waiting_client",),
    "done": ("done", "cancelled"),
}
SOON = timedelta(minutes=15)


# A queue page shows at most this many rows: the open queues the longest-idle first, "done" the latest.
OPEN_QUEUE_ROWS = 500
DONE_QUEUE_ROWS = 200


def queue_of(request: Request) -> str:
    return _queue(request.status, answered=request.first_response_at is not None)


def _queue(status: str, *, answered: bool) -> str:
    if status == "new":
        return "in_work" if answered else "unanswered"
    return {"in_work": "in_work", "waiting_client": "waiting_client"}.get(status, "done")


def _in_queue(queue: str) -> ColumnElement[bool]:
    """queue_of in SQL."""
    status, answered = col(Request.status), col(Request.first_response_at)
    if queue == "unanswered":
        return and_(status == "new", answered.is_(None))
    if queue == "in_work":
        return or_(status == "in_work", and_(status == "new", answered.is_not(None)))
    if queue == "waiting_client":
        return status == "waiting_client"
    return status.not_in(("new", "in_work", "waiting_client"))


def may_see(staff: Staff, request: Request) -> bool:
    """A manager sees their own and unassigned requests; supervisors and admins see all."""
    return staff.role != "manager" or request.assignee_id in (None, staff.id)


async def may_see_client(session: AsyncSession, staff: Staff, client: Client) -> bool:
    """A manager sees a client they are responsible for, one with no responsible manager, or one with a
    request they may see (the card shows the AI summary, which quotes the client's messages)."""
    if staff.role != "manager" or client.responsible_staff_id in (None, staff.id):
        return True
    query = (
        select(Request.id)
        .where(col(Request.client_id) == client.id)
        .where(or_(col(Request.assignee_id).is_(None), col(Request.assignee_id) == staff.id))
        .limit(1)
    )
    return (await session.execute(query)).first() is not None


def sla_state(request: Request, now: datetime) -> str:
    if request.first_response_at is not None:
        return "met"
    if request.sla_due_at is None:
        return "none"
    if request.sla_due_at <= now:
        return "breached"
    return "soon" if request.sla_due_at - now <= SOON else "ok"


def is_overdue(request: Request, now: datetime) -> bool:
    if request.status in ("done", "cancelled"):
        return False
    return sla_state(request, now) == "breached" or (request.due_at is not None and request.due_at < now)


@dataclass
class InboxRow:
    request: Request
    client: str
    channel: str
    first_line: str
    waiting: timedelta | None  # how long the client has waited on us; None: our message is the latest
    sla: str
    assignee: str | None
    overdue: bool
    undelivered: bool = False  # our latest reply did not reach the client (a bounce, a blocked bot)


def visible_to(staff: Staff) -> ColumnElement[bool]:
    """may_see in SQL."""
    if staff.role == "manager":
        return or_(col(Request.assignee_id).is_(None), col(Request.assignee_id) == staff.id)
    return true()


async def queue_counts(session: AsyncSession, staff: Staff) -> dict[str, int]:
    """Requests per queue that the staff member may see, counted by the database (all, however many)."""
    answered = col(Request.first_response_at).is_not(None)
    query = (
        select(Request.status, answered, func.count())
        .where(visible_to(staff))
        .group_by(Request.status, answered)
    )
    counts = dict.fromkeys(QUEUES, 0)
    for status, is_answered, n in (await session.execute(query)).all():
        counts[_queue(status, answered=bool(is_answered))] += n
    return counts


async def queue_requests(
    session: AsyncSession,
    staff: Staff,
    queue: str,
    *,
    channel: str = "",
    assignee: str = "",
    tag: str | None = None,
) -> Sequence[Request]:
    """One queue's requests the staff member may see, filtered by the database (`tag`: a client tag's key, the
    requests of the clients with it): the open queues' longest idle first, "done" the latest finished first (a
    queue once read the 500 oldest requests of all and filtered those, so past 500 requests new ones never
    showed)."""
    query = select(Request).where(_in_queue(queue), visible_to(staff))
    if channel:
        query = query.where(col(Request.origin_channel) == channel)
    if assignee == "none":
        query = query.where(col(Request.assignee_id).is_(None))
    elif assignee.isdigit():
        query = query.where(col(Request.assignee_id) == int(assignee))
    elif assignee.startswith("group:") and assignee[6:].isdigit():  # a head's group, the head included
        head = int(assignee[6:])
        query = query.where(in_group(await group_of(session, head)))
    if tag is not None:
        query = query.where(
            col(Request.client_id).in_(select(ClientTag.client_id).where(col(ClientTag.key) == tag))
        )
    if queue == "done":
        latest = func.coalesce(col(Request.done_at), col(Request.last_activity_at))
        query = query.order_by(latest.desc(), col(Request.id).desc()).limit(DONE_QUEUE_ROWS)
    else:
        query = query.order_by(col(Request.last_activity_at), col(Request.id)).limit(OPEN_QUEUE_ROWS)
    return (await session.execute(query)).scalars().all()


def request_label(client: Client | None, contact: Contact | None) -> str:
    """Whom a request is from, as the staff see it: the client company, else the contact."""
    if client is not None:
        return client.name
    return contact.label() if contact else "—"


async def client_label(session: AsyncSession, request: Request) -> str:
    client = await session.get(Client, request.client_id) if request.client_id is not None else None
    return request_label(client, await session.get(Contact, request.contact_id))


async def inbox_rows(
    session: AsyncSession, requests: Sequence[Request], staff_names: dict[int, str], now: datetime
) -> list[InboxRow]:
    """A queue page's rows in four queries, however many rows (it was three queries a row)."""
    ids = [r.id for r in requests if r.id is not None]
    inbound = and_(col(Message.request_id).in_(ids), col(Message.direction) == "inbound")
    order = func.row_number().over(
        partition_by=col(Message.request_id), order_by=(col(Message.sent_at), col(Message.id))
    )
    ranked = select(col(Message.id).label("id"), order.label("n")).where(inbound).subquery()
    first_query = select(Message).join(ranked, ranked.c.id == col(Message.id)).where(ranked.c.n == 1)
    firsts = {m.request_id: m for m in (await session.execute(first_query)).scalars()}
    request_id, direction = col(Message.request_id), col(Message.direction)
    # a reply that failed to reach the client is no answer: the client still waits on us
    # (literals, not parameters: PostgreSQL must see the grouped expression and the selected one as equal)
    failed_word: ColumnElement[str] = literal_column("'failed'")
    failed = case((col(Message.delivery_status) == failed_word, failed_word), else_=direction)
    last_query = (
        select(request_id, failed, func.max(Message.sent_at))
        .where(request_id.in_(ids))
        .group_by(request_id, failed)
    )
    last: dict[tuple[int | None, str], datetime] = {
        (row[0], row[1]): row[2] for row in await session.execute(last_query)
    }
    client_query = select(Client).where(col(Client.id).in_({r.client_id for r in requests}))
    clients = {c.id: c for c in (await session.execute(client_query)).scalars()}
    contact_query = select(Contact).where(col(Contact.id).in_({r.contact_id for r in requests}))
    contacts = {c.id: c for c in (await session.execute(contact_query)).scalars()}
    rows = []
    for request in requests:
        first = firsts.get(request.id)
        last_in, last_out = last.get((request.id, "inbound")), last.get((request.id, "outbound"))
        last_failed = last.get((request.id, "failed"))
        since = (
            request.created_at if request.first_response_at is None else (last_in or request.last_activity_at)
        )
        end = request.done_at if request.status in ("done", "cancelled") and request.done_at else now
        # our message is the latest: the client is not waiting on us (an answered request read "waits 29 min")
        ours_last = last_out is not None and (last_in is None or last_out >= last_in)
        answered = ours_last and queue_of(request) in ("in_work", "waiting_client")
        # the request form's "what" (the client's ask without greeting and introduction, or a manager's
        # correction) says more in one line than the first message's opening words
        line = request.what or ((first.subject or first.text or "") if first else "")
        rows.append(
            InboxRow(
                request=request,
                client=request_label(clients.get(request.client_id), contacts.get(request.contact_id)),
                channel=first.channel if first else request.origin_channel,
                first_line=(line.strip().splitlines() or [""])[0][:140],
                waiting=None if answered else max(end - since, timedelta(0)),
                sla=sla_state(request, now),
                assignee=staff_names.get(request.assignee_id or 0),
                overdue=is_overdue(request, now),
                undelivered=last_failed is not None and (last_out is None or last_failed > last_out),
            )
        )
    rows.sort(key=lambda r: r.waiting if r.waiting is not None else timedelta(-1), reverse=True)
    return rows


async def client_contact_ids(session: AsyncSession, request: Request) -> list[int]:
    """Every contact of the request's client (and contacts merged into them), else the contact's group."""
    roots = [request.contact_id]
    if request.client_id is not None:
        links = await session.execute(
            select(ClientContact.contact_id).where(col(ClientContact.client_id) == request.client_id)
        )
        roots.extend(int(i) for i in links.scalars().all())
    ids: list[int] = []
    for root in roots:
        for contact_id in await contact_group(session, contact_id=root):
            if contact_id not in ids:
                ids.append(contact_id)
    return ids


@dataclass
class TimelineItem:
    message: Message
    attachments: list[Attachment] = field(default_factory=list)
    call: Call | None = None
    segments: list[TranscriptSegment] = field(default_factory=list)
    html_parts: list[str] = field(default_factory=list)
    author: str | None = None
    text: str | None = None  # what the page shows: an email's fresh part, else the message text
    delivery: str | None = None  # our reply's: pending, sent, delivered, read or failed
    delivery_error: str | None = None  # why it failed, in the platform's words
    quoted: str = ""  # an email's quoted history, folded away under the fresh text
    broadcast_id: int | None = None  # a broadcast's copy: which one


async def timeline(session: AsyncSession, request: Request, limit: int = 500) -> list[TimelineItem]:
    contact_ids = await client_contact_ids(session, request)
    conversations = select(Conversation.id).where(col(Conversation.contact_id).in_(contact_ids))
    query = (
        select(Message)
        .where(or_(col(Message.conversation_id).in_(conversations), col(Message.request_id) == request.id))
        .where(col(Message.kind).not_in(("reaction", "status")))
        .order_by(col(Message.sent_at).desc())
        .limit(limit)
    )
    messages = list(reversed((await session.execute(query)).scalars().all()))
    # the page's files, calls, transcripts and authors in one query each (it was two or three a message)
    ids = [m.id for m in messages]
    attachments: dict[int | None, list[Attachment]] = {}
    files = select(Attachment).where(col(Attachment.message_id).in_(ids)).order_by(col(Attachment.position))
    for attachment in (await session.execute(files)).scalars():
        attachments.setdefault(attachment.message_id, []).append(attachment)
    calls: dict[int | None, Call] = {}
    for found in (await session.execute(select(Call).where(col(Call.message_id).in_(ids)))).scalars():
        calls.setdefault(found.message_id, found)
    segments: dict[int | None, list[TranscriptSegment]] = {}
    turns = (
        select(TranscriptSegment)
        .where(col(TranscriptSegment.call_id).in_([c.id for c in calls.values()]))
        .order_by(col(TranscriptSegment.position))
    )
    for segment in (await session.execute(turns)).scalars():
        segments.setdefault(segment.call_id, []).append(segment)
    staff_ids = {m.author_staff_id for m in messages if m.author_staff_id is not None}
    staff_query = select(Staff).where(col(Staff.id).in_(staff_ids))
    authors = {member.id: member.name for member in (await session.execute(staff_query)).scalars()}
    writers = await _writers(session, [m for m in messages if m.direction == "inbound"])
    replies = [m.id for m in messages if m.direction == "outbound"]
    sends = select(Outbox).where(col(Outbox.message_id).in_(replies))
    outbox = {row.message_id: row for row in (await session.execute(sends)).scalars()}
    copies = select(BroadcastRecipient.message_id, BroadcastRecipient.broadcast_id).where(
        col(BroadcastRecipient.message_id).in_(replies)
    )
    broadcasts = {int(m): int(b) for m, b in (await session.execute(copies)).all()}
    items = []
    for message in messages:
        call = calls.get(message.id)
        send = outbox.get(message.id)
        delivery = message.delivery_status or (send.status if send else None)
        items.append(
            TimelineItem(
                message=message,
                text=message.text,
                attachments=attachments.get(message.id, []),
                call=call,
                segments=segments.get(call.id, []) if call is not None else [],
                author=(
                    writers.get(message.id)
                    if message.direction == "inbound"
                    # no staff author: okno's own message (the rating question, a thank-you, the
                    # out-of-hours notice, the client bot's answers)
                    else authors.get(message.author_staff_id or 0, "okno")
                ),
                delivery=delivery,
                delivery_error=send.last_error if send and delivery == "failed" else None,
                broadcast_id=broadcasts.get(message.id or 0),
            )
        )
    return items


async def _writers(session: AsyncSession, messages: Sequence[Message]) -> dict[int | None, str]:
    """Who wrote each client message, as the contact is known (the message's author in a group chat, else
    its conversation's): a client company's accountant and its director write from their own addresses,
    and the timeline joins them under one client."""
    conversations = select(Conversation.id, Conversation.contact_id).where(
        col(Conversation.id).in_({m.conversation_id for m in messages})
    )
    of_conversation = {row[0]: row[1] for row in (await session.execute(conversations)).all()}
    by_message = {m.id: m.author_contact_id or of_conversation.get(m.conversation_id) for m in messages}
    contacts = select(Contact).where(col(Contact.id).in_(set(by_message.values()) - {None}))
    names = {c.id: c.label() for c in (await session.execute(contacts)).scalars()}
    return {m: name for m, contact in by_message.items() if (name := names.get(contact))}


async def alerts_of(session: AsyncSession, *, client_id: int | None, request_id: int) -> Sequence[Alert]:
    where: Any = col(Alert.request_id) == request_id
    if client_id is not None:
        where = or_(where, col(Alert.client_id) == client_id)
    query = select(Alert).where(where).order_by(col(Alert.created_at).desc()).limit(50)
    return (await session.execute(query)).scalars().all()


async def staff_names(session: AsyncSession) -> dict[int, str]:
    """Every member's name by id, in name order: the pickers built from it list eighty people findably."""
    rows = (await session.execute(select(Staff).order_by(col(Staff.name), col(Staff.id)))).scalars().all()
    return {s.id or 0: s.name for s in rows}
