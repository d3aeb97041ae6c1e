"""The request lifecycle: open, attach, fill fields with their source, respond, change status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Request
from storage.models.requests import FORM_FIELDS, OPEN_STATUSES
from storage.repos.audit import audit

# Which status may follow which; "done" and "cancelled" reopen only by a manager's hand.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("in_work", "waiting_client", "done", "cancelled"),
    "in_work": ("waiting_client", "done", "cancelled"),
    "waiting_client": ("in_work", "done", "cancelled"),
    "done": ("in_work",),
    "cancelled": ("in_work",),
}
SOURCE_RANK = {"parser": 0, "assistant": 1, "manager": 2}
RATING_ANSWER_WITHIN = timedelta(days=3)  # a «5» later than this after the question is a message of its own


class RequestTransitionError(ValueError):
    pass


async def open_request_of(
    session: AsyncSession, *, contact_ids: Sequence[int], active_since: datetime, active_until: datetime
) -> Request | None:
    """The client's open request, when it saw activity inside the window: its last activity not before
    active_since, and its start not after active_until (a call recording the PBX hands over days late is no
    part of a request opened since). One waiting for the client takes their message however long they were
    silent: it is the answer the request waits for (the acts sent after a weekend and a reminder)."""
    waiting = col(Request.status) == "waiting_client"
    query = (
        select(Request)
        .where(col(Request.contact_id).in_(contact_ids))
        .where(col(Request.status).in_(OPEN_STATUSES))
        .where(or_(col(Request.last_activity_at) >= active_since, waiting))
        .where(col(Request.created_at) <= active_until)
        .order_by(col(Request.last_activity_at).desc())
    )
    return (await session.execute(query)).scalars().first()


async def add_request(
    session: AsyncSession,
    *,
    contact_id: int,
    client_id: int | None,
    origin_channel: str,
    at: datetime,
    sla_due_at: datetime | None,
) -> Request:
    request = Request(
        contact_id=contact_id,
        client_id=client_id,
        origin_channel=origin_channel,
        created_at=at,
        last_activity_at=at,
        sla_due_at=sla_due_at,
    )
    session.add(request)
    await session.flush()
    await audit(session, actor_kind="system", action="request.open", entity="request", entity_id=request.id)
    return request


def set_field(
    request: Request, *, field: str, value: Any, source: str, at: datetime, note: str | None = None
) -> bool:
    """Set a form field unless a higher-ranked source set it (a manager's value is never overwritten)."""
    if field not in FORM_FIELDS:
        raise ValueError(f"unknown request field {field!r}")
    current = request.field_sources.get(field)
    if current and SOURCE_RANK[current["source"]] > SOURCE_RANK[source]:
        return False
    if (
        current
        and current["source"] == source
        and source != "manager"
        and getattr(request, field) is not None
        and datetime.fromisoformat(current["at"]) <= at
    ):
        return False  # the earliest message's value stands, whatever order the messages were processed in
    setattr(request, field, value)
    entry: dict[str, Any] = {"source": source, "at": at.isoformat()}
    if note:
        entry["note"] = note
    request.field_sources = {**request.field_sources, field: entry}
    return True


async def change_status(
    session: AsyncSession,
    *,
    request: Request,
    status: str,
    at: datetime,
    staff_id: int | None,
    waiting_until: datetime | None = None,
) -> None:
    """`waiting_until`, with waiting_client: the date the client was given to answer by (None: the company's
    client_wait_days from now); any other status forgets it."""
    if status not in TRANSITIONS.get(request.status, ()):
        raise RequestTransitionError(f"request {request.id}: {request.status} -> {status} is not allowed")
    previous, request.status = request.status, status
    request.waiting_until = waiting_until if status == "waiting_client" else None
    if status == "done":
        request.done_at = at
    elif previous in ("done", "cancelled"):
        request.done_at = None
    request.last_activity_at = max(request.last_activity_at, at)
    details: dict[str, Any] = {"from": previous, "to": status}
    if request.waiting_until is not None:
        details["waiting_until"] = request.waiting_until.isoformat()
    await audit(
        session,
        actor_id=staff_id,
        action="request.status",
        entity="request",
        entity_id=request.id,
        details=details,
    )


async def wait_for_client(
    session: AsyncSession, *, request: Request, at: datetime, staff_id: int | None, until: datetime | None
) -> None:
    """Put the request to waiting_client, or, already waiting, start the wait again: until the given date,
    else for the company's client_wait_days from now."""
    if request.status != "waiting_client":
        await change_status(
            session, request=request, status="waiting_client", at=at, staff_id=staff_id, waiting_until=until
        )
        return
    request.waiting_until = until
    request.last_activity_at = max(request.last_activity_at, at)
    await audit(
        session,
        actor_id=staff_id,
        action="request.wait",
        entity="request",
        entity_id=request.id,
        details={"waiting_until": until.isoformat() if until else None},
    )


async def record_staff_reply(
    session: AsyncSession, *, request: Request, at: datetime, staff_id: int | None
) -> None:
    """A staff reply: the first one sets first_response_at; a new request goes to in_work. One waiting for the
    client keeps waiting — our reply to it is a reminder ("ждём акты"), not the client's answer — and the wait
    counts from it, unless the client was given a date still ahead."""
    if request.first_response_at is None:
        request.first_response_at = at
    if request.assignee_id is None and staff_id is not None:
        request.assignee_id = staff_id
    if request.status == "new":
        await change_status(session, request=request, status="in_work", at=at, staff_id=staff_id)
    _reminded(request, at)


def record_our_call(request: Request, *, at: datetime) -> None:
    """Our call to the client (the PBX reports it in the client's conversation): a request waiting for the
    client keeps waiting — a reminder by phone, picked up or not («не могут дозвониться») — and the wait
    counts from it. Whether what they said ends the wait is the manager's to judge."""
    _reminded(request, at)


def _reminded(request: Request, at: datetime) -> None:
    """We reminded the client: the wait starts over from now, unless the date they were given is ahead."""
    if request.waiting_until is not None and request.waiting_until <= at:
        request.waiting_until = None
    request.last_activity_at = max(request.last_activity_at, at)


async def record_client_activity(session: AsyncSession, *, request: Request, at: datetime) -> None:
    """A client message on a request that waited for the client puts it back in work."""
    if request.status == "waiting_client":
        await change_status(session, request=request, status="in_work", at=at, staff_id=None)
    request.last_activity_at = max(request.last_activity_at, at)


async def awaiting_rating(
    session: AsyncSession, *, contact_ids: Sequence[int], at: datetime
) -> Request | None:
    """The client's done request okno asked them to rate, within RATING_ANSWER_WITHIN before `at`, that has
    no rating yet: a «5» now answers it."""
    query = (
        select(Request)
        .where(col(Request.contact_id).in_(contact_ids), col(Request.status) == "done")
        .where(col(Request.rating).is_(None), col(Request.survey_sent_at) >= at - RATING_ANSWER_WITHIN)
        .where(col(Request.survey_sent_at) <= at)
        .order_by(col(Request.survey_sent_at).desc())
    )
    return (await session.execute(query)).scalars().first()


async def record_rating(
    session: AsyncSession, *, request: Request, score: int, comment: str | None, at: datetime
) -> None:
    """The client's answer on the done request; it stays done (a rating is not a new matter)."""
    request.rating, request.rating_comment, request.rated_at = score, comment, at
    await audit(
        session, actor_kind="system", action="request.rated", entity="request", entity_id=request.id,
        details={"rating": score},
    )  # fmt: skip


async def list_requests(
    session: AsyncSession, *, status: str | None = None, limit: int = 100, offset: int = 0
) -> Sequence[Request]:
    query = select(Request).order_by(col(Request.id).desc()).limit(limit).offset(offset)
    if status:
        query = query.where(col(Request.status) == status)
    return (await session.execute(query)).scalars().all()
