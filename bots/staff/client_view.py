"""What a staff member sees about one client: open requests with deadlines and assignees, the last contact
per channel, open alerts, and the assistant's stored summary with links to the messages it cites."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from assistant.schemas import SummaryPoint
from bots.staff.texts import say
from intake.rating import stars
from storage.alert_labels import alert_label
from storage.models import Alert, Client, ClientSummary, Contact, Conversation, Message, Request, Staff
from storage.models.requests import OPEN_STATUSES
from storage.repos.alerts import open_alerts_about
from storage.repos.clients import contact_group
from workers.staff_cards import one_line, request_link

QUOTE = 120
WHAT_CHARS = 90  # a request's line on the card


@dataclass
class ClientView:
    kind: str  # client | contact
    id: int
    name: str
    inn: str | None = None
    requests: list[tuple[Request, str | None]] = field(default_factory=list)  # (request, assignee name)
    last_contact: dict[str, datetime] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    points: list[SummaryPoint] = field(default_factory=list)
    cited_requests: dict[int, int | None] = field(default_factory=dict)  # message id -> request id
    last_message_id: int = 0
    last_rated: Request | None = None  # the client's latest rating of a done request: a call starts with it


async def load_view(session: AsyncSession, *, kind: str, id: int) -> ClientView | None:
    if kind == "client":
        client = await session.get(Client, id)
        if client is None:
            return None
        view = ClientView("client", id, client.name, client.inn)
        own_requests = col(Request.client_id) == id
        conversations = select(Conversation.id).where(col(Conversation.client_id) == id)
    else:
        contact = await session.get(Contact, id)
        if contact is None:
            return None
        group = await contact_group(session, contact_id=id)
        view = ClientView("contact", id, contact.label())
        own_requests = col(Request.contact_id).in_(group)
        conversations = select(Conversation.id).where(col(Conversation.contact_id).in_(group))
    rows = await session.execute(
        select(Request, Staff.name)
        .join(Staff, col(Staff.id) == col(Request.assignee_id), isouter=True)
        .where(own_requests, col(Request.status).in_(OPEN_STATUSES))
        .order_by(col(Request.id))
    )
    view.requests = [(r, n) for r, n in rows.all()]
    rated = select(Request).where(own_requests, col(Request.rating).is_not(None))
    view.last_rated = (await session.execute(rated.order_by(col(Request.rated_at).desc()))).scalars().first()
    request_ids = select(Request.id).where(own_requests)
    mine = or_(col(Message.conversation_id).in_(conversations), col(Message.request_id).in_(request_ids))
    last = await session.execute(
        select(Message.channel, func.max(Message.sent_at)).where(mine).group_by(col(Message.channel))
    )
    view.last_contact = {channel: at for channel, at in last.all() if at is not None}
    open_alerts = open_alerts_about(request_ids, id if kind == "client" else None)
    alerts = await session.execute(select(Alert).where(open_alerts))
    view.alerts = list(alerts.scalars().all())
    if kind == "client":
        await _stored_summary(session, view)
    return view


async def _stored_summary(session: AsyncSession, view: ClientView) -> None:
    stored = (
        (await session.execute(select(ClientSummary).where(col(ClientSummary.client_id) == view.id)))
        .scalars()
        .first()
    )
    if stored is None:
        return
    view.points = [SummaryPoint.model_validate(p) for p in stored.points]
    view.last_message_id = stored.last_message_id
    await cite_requests(session, view)


async def cite_requests(session: AsyncSession, view: ClientView) -> None:
    cited = {c for p in view.points for c in p.cites}
    if cited:
        found = await session.execute(
            select(Message.id, Message.request_id).where(col(Message.id).in_(cited))
        )
        view.cited_requests = {int(mid or 0): rid for mid, rid in found.all()}


def _local(at: datetime | None, tz: ZoneInfo, lang: str) -> str:
    return at.astimezone(tz).strftime("%d.%m.%Y %H:%M") if at else say("no_due", lang)


def facts_text(view: ClientView, tz: ZoneInfo, lang: str) -> list[str]:
    lines = [say("card_head", lang, name=view.name)]
    if view.inn:
        lines.append(say("card_inn", lang, inn=view.inn))
    if view.requests:
        lines.append(say("card_requests", lang))
        for request, assignee in view.requests:
            lines.append(
                say(
                    "card_request",
                    lang,
                    id=request.id,
                    status=say(f"status_{request.status}", lang),
                    what=one_line(request.what or "—", WHAT_CHARS),
                    due=_local(request.due_at, tz, lang),
                    assignee=assignee or say("no_assignee", lang),
                )
            )
    else:
        lines.append(say("card_no_requests", lang))
    if view.last_contact:
        lines.append(say("card_contacts", lang))
        for channel, at in sorted(view.last_contact.items(), key=lambda kv: kv[1], reverse=True):
            lines.append(say("card_contact", lang, channel=channel, at=_local(at, tz, lang)))
    if (rated := view.last_rated) is not None and rated.rating is not None:
        comment = f" «{one_line(rated.rating_comment, WHAT_CHARS)}»" if rated.rating_comment else ""
        when = _local(rated.rated_at, tz, lang)
        lines.append(
            say("card_rating", lang, stars=stars(rated.rating), score=rated.rating, id=rated.id, at=when)
            + comment
        )
    if view.alerts:
        lines.append(say("card_alerts", lang))
        for alert in view.alerts:
            quote = (alert.evidence_quote or "")[:QUOTE]
            label = alert_label(alert.kind, alert.category, lang)
            lines.append(say("card_alert", lang, label=label, quote=quote))
    return lines


def summary_text(view: ClientView, web_url: str | None, lang: str) -> list[str]:
    if not view.points:
        return [say("card_summary", lang), say("card_no_summary", lang)]
    lines = [say("card_summary", lang)]
    for point in view.points:
        links = ", ".join(_cite(view, web_url, c) for c in point.cites)
        lines.append(f"• {point.text}" + (f" ({links})" if links else ""))
    return lines


def _cite(view: ClientView, web_url: str | None, message_id: int) -> str:
    request_id = view.cited_requests.get(message_id)
    if web_url and request_id:
        return request_link(web_url, request_id, message_id)
    return f"#m{message_id}"


def compose(parts: Sequence[Sequence[str]]) -> str:
    return "\n\n".join("\n".join(p) for p in parts if p)[:4096]
