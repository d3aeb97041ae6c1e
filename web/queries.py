"""What the pages read: the inbox rows a staff member may see, one client's timeline, request access."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import (
    Alert,
    Attachment,
    Call,
    Client,
    ClientContact,
    Contact,
    Conversation,
    Message,
    Request,
    Staff,
    TranscriptSegment,
)
from storage.repos.clients import contact_group

QUEUES: dict[str, tuple[str, ...]] = {
    "unanswered": ("new",),
    "in_work": ("in_work", "new"),
    "waiting_client": ("waiting_client",),
    "done": ("done", "cancelled"),
}
SOON = timedelta(minutes=15)


def queue_of(request: Request) -> str:
    if request.status == "new":
        return "unanswered" if request.first_response_at is None else "in_work"
    return {"in_work": "in_work", "waiting_client": "waiting_client"}.get(request.status, "done")


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
    waiting: timedelta
    sla: str
    assignee: str | None
    overdue: bool


async def visible_requests(session: AsyncSession, staff: Staff, limit: int = 500) -> Sequence[Request]:
    query = select(Request).order_by(col(Request.last_activity_at)).limit(limit)
    if staff.role == "manager":
        query = query.where(or_(col(Request.assignee_id).is_(None), col(Request.assignee_id) == staff.id))
    return (await session.execute(query)).scalars().all()


async def client_label(session: AsyncSession, request: Request) -> str:
    if request.client_id is not None:
        client = await session.get(Client, request.client_id)
        if client is not None:
            return client.name
    contact = await session.get(Contact, request.contact_id)
    return contact.label() if contact else "—"


async def inbox_rows(
    session: AsyncSession, requests: Sequence[Request], staff_names: dict[int, str], now: datetime
) -> list[InboxRow]:
    rows = []
    for request in requests:
        first = (
            (
                await session.execute(
                    select(Message)
                    .where(col(Message.request_id) == request.id, col(Message.direction) == "inbound")
                    .order_by(col(Message.sent_at))
                    .limit(1)
                )
            )
            .scalars()
            .first()
        )
        last_in = (
            (
                await session.execute(
                    select(Message.sent_at)
                    .where(col(Message.request_id) == request.id, col(Message.direction) == "inbound")
                    .order_by(col(Message.sent_at).desc())
                    .limit(1)
                )
            )
            .scalars()
            .first()
        )
        since = (
            request.created_at if request.first_response_at is None else (last_in or request.last_activity_at)
        )
        end = request.done_at if request.status in ("done", "cancelled") and request.done_at else now
        # the request form's "what" (the client's ask without greeting and introduction, or a manager's
        # correction) says more in one line than the first message's opening words
        line = request.what or ((first.subject or first.text or "") if first else "")
        rows.append(
            InboxRow(
                request=request,
                client=await client_label(session, request),
                channel=first.channel if first else request.origin_channel,
                first_line=(line.strip().splitlines() or [""])[0][:140],
                waiting=max(end - since, timedelta(0)),
                sla=sla_state(request, now),
                assignee=staff_names.get(request.assignee_id or 0),
                overdue=is_overdue(request, now),
            )
        )
    rows.sort(key=lambda r: r.waiting, reverse=True)
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
    quoted: str = ""  # an email's quoted history, folded away under the fresh text


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
    items = []
    for message in messages:
        item = TimelineItem(message=message, text=message.text)
        item.attachments = list(
            (
                await session.execute(
                    select(Attachment)
                    .where(col(Attachment.message_id) == message.id)
                    .order_by(col(Attachment.position))
                )
            )
            .scalars()
            .all()
        )
        item.call = (
            (await session.execute(select(Call).where(col(Call.message_id) == message.id))).scalars().first()
        )
        if item.call is not None:
            item.segments = list(
                (
                    await session.execute(
                        select(TranscriptSegment)
                        .where(col(TranscriptSegment.call_id) == item.call.id)
                        .order_by(col(TranscriptSegment.position))
                    )
                )
                .scalars()
                .all()
            )
        if message.author_staff_id is not None:
            staff = await session.get(Staff, message.author_staff_id)
            item.author = staff.name if staff else None
        items.append(item)
    return items


async def alerts_of(session: AsyncSession, *, client_id: int | None, request_id: int) -> Sequence[Alert]:
    where: Any = col(Alert.request_id) == request_id
    if client_id is not None:
        where = or_(where, col(Alert.client_id) == client_id)
    query = select(Alert).where(where).order_by(col(Alert.created_at).desc()).limit(50)
    return (await session.execute(query)).scalars().all()


async def staff_names(session: AsyncSession) -> dict[int, str]:
    rows = (await session.execute(select(Staff).order_by(col(Staff.id)))).scalars().all()
    return {s.id or 0: s.name for s in rows}
