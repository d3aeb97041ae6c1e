"""A client's history for the assistant: the card, the stored rolling summary and the messages since."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from assistant.chains.summary import (
    MAX_NEW,
    CardAlert,
    CardRequest,
    ClientCard,
    MessageView,
    SummaryResult,
    summarize,
)
from assistant.llm import ChatRunner
from assistant.schemas import SummaryPoint
from storage.db import Database
from storage.models import (
    Alert,
    Client,
    ClientContact,
    ClientSummary,
    Contact,
    Conversation,
    Message,
    Request,
    Staff,
)
from storage.models.requests import OPEN_STATUSES
from storage.repos.alerts import open_alerts_about
from storage.repos.audit import audit
from storage.types import utcnow

MAX_ALERTS = 5  # the latest open ones: the card stays short


def _of_client(client_id: int) -> object:
    conversations = select(Conversation.id).where(col(Conversation.client_id) == client_id)
    requests = select(Request.id).where(col(Request.client_id) == client_id)
    return or_(col(Message.conversation_id).in_(conversations), col(Message.request_id).in_(requests))


async def client_card(session: AsyncSession, client_id: int) -> ClientCard:
    client = await session.get(Client, client_id)
    if client is None:
        raise LookupError(f"client {client_id} does not exist")
    contacts = (
        (
            await session.execute(
                select(Contact)
                .join(ClientContact, col(ClientContact.contact_id) == col(Contact.id))
                .where(col(ClientContact.client_id) == client_id)
            )
        )
        .scalars()
        .all()
    )
    requests = (
        (
            await session.execute(
                select(Request)
                .where(col(Request.client_id) == client_id)
                .where(col(Request.status).in_(OPEN_STATUSES))
                .order_by(col(Request.id))
            )
        )
        .scalars()
        .all()
    )
    own_requests = select(Request.id).where(col(Request.client_id) == client_id)
    alerts = (
        (
            await session.execute(
                select(Alert)
                .where(open_alerts_about(own_requests, client_id))
                .where(col(Alert.kind) == "conflict")
                .where(col(Alert.source_message_id).is_not(None))
                .order_by(col(Alert.id).desc())
                .limit(MAX_ALERTS)
            )
        )
        .scalars()
        .all()
    )
    return ClientCard(
        name=client.name,
        inn=client.inn,
        contacts=tuple(" ".join(filter(None, (c.display_name, c.phone, c.email))) for c in contacts),
        open_requests=tuple(CardRequest(r.id or 0, r.status, r.what, r.due_at) for r in requests),
        alerts=tuple(
            CardAlert(a.category or "conflict", a.evidence_quote or "", a.source_message_id or 0)
            for a in reversed(alerts)
            if a.evidence_quote
        ),
    )


def _since(client_id: int, after_id: int, upto_id: int | None = None) -> SelectOfScalar[int | None]:
    """The conversation the summary reads: not service mail (auto-replies, bounces) or bot commands, not the
    client bot's own answers (/start, /status), and not a reply the client never got (it promised nothing:
    the walk-through's summary told a bounced «подготовим до пятницы» as Анна's promise)."""
    query = (
        select(col(Message.id))
        .where(_of_client(client_id))  # type: ignore[arg-type]
        .where(col(Message.id) > after_id)
        .where(col(Message.text).is_not(None))
        .where(col(Message.kind) != "system")
        .where(
            or_(
                col(Message.direction) == "inbound",
                col(Message.author_staff_id).is_not(None),
                col(Message.kind) == "call",
            )
        )
        .where(or_(col(Message.delivery_status).is_(None), col(Message.delivery_status) != "failed"))
    )
    return query if upto_id is None else query.where(col(Message.id) <= upto_id)


async def count_since(
    session: AsyncSession, client_id: int, after_id: int, upto_id: int | None = None
) -> int:
    """The client's messages after after_id (up to upto_id when given)."""
    found = await session.execute(
        select(func.count()).select_from(_since(client_id, after_id, upto_id).subquery())
    )
    return int(found.scalar_one())


async def messages_since(
    session: AsyncSession, client_id: int, after_id: int, *, newest: int | None = None
) -> list[MessageView]:
    """The client's messages after after_id in order; only the latest `newest` of them when given (a summary
    run reads a bounded backlog, and an imported mailbox must not be loaded whole to keep its tail)."""
    ids = _since(client_id, after_id).order_by(col(Message.id).desc())
    if newest is not None:
        ids = ids.limit(newest)
    query = (
        select(Message, Staff.name)
        .join(Staff, col(Staff.id) == col(Message.author_staff_id), isouter=True)
        .where(col(Message.id).in_(ids.scalar_subquery()))
        .order_by(col(Message.id))
    )
    rows = (await session.execute(query)).all()
    return [
        MessageView(
            m.id or 0,
            m.sent_at,
            m.channel,
            "client" if m.direction == "inbound" else (name or "staff"),
            m.text or "",
        )
        for m, name in rows
    ]


async def summarize_client(
    db: Database, runner: ChatRunner, client_id: int, *, language: str = "ru", tz: tzinfo = UTC
) -> tuple[Sequence[SummaryPoint], SummaryResult]:
    """Fold the messages since the stored summary into it, store it, and return the points.

    Read, model, write: the model runs outside any transaction (seconds to minutes; on SQLite an open write
    transaction would hold every other writer), and the result is stored only when no other run stored a newer
    summary meanwhile (then that one's points are returned)."""
    async with db.session() as session:
        stored = await _stored(session, client_id)
        previous = [SummaryPoint.model_validate(p) for p in stored.points] if stored else []
        last = stored.last_message_id if stored else 0
        new = await messages_since(session, client_id, last, newest=MAX_NEW)
        # Counted up to the newest one read: one arriving meanwhile is the next run's, not skipped; not below
        # 0 for a message erased between the two queries.
        upto = new[-1].id if new else last
        unread = max(0, await count_since(session, client_id, last, upto) - len(new))
        card = await client_card(session, client_id)
    result = await summarize(
        runner, card=card, previous=previous, last_message_id=last, new=new, unread=unread,
        language=language, tz=tz,
    )  # fmt: skip
    if not result.calls:
        return result.points, result
    async with db.session() as session:
        row = await _stored(session, client_id) or ClientSummary(client_id=client_id)
        if row.last_message_id != last:  # superseded by a concurrent run
            return [SummaryPoint.model_validate(p) for p in row.points], result
        row.points = [p.model_dump() for p in result.points]
        row.last_message_id, row.updated_at = result.last_message_id, utcnow()
        row.messages_covered += len(new) + unread - result.skipped
        session.add(row)
        await audit(
            session,
            actor_kind="assistant",
            action="summary.update",
            entity="client",
            entity_id=client_id,
            details={"messages": len(new), "calls": result.calls, "skipped": result.skipped},
        )
        await session.commit()
    return result.points, result


async def _stored(session: AsyncSession, client_id: int) -> ClientSummary | None:
    query = select(ClientSummary).where(col(ClientSummary.client_id) == client_id)
    return (await session.execute(query)).scalars().first()
