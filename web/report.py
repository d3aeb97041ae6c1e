"""The requests of a period as a table for Excel: «Руководители собирали отчёты в Excel, опрашивая
подчинённых» (seed 000). One row per request opened in the period — whom it was from, what they asked, who
had it, how soon the first answer came against the SLA, its deadline, when it was done, the client's rating.
Semicolon-separated UTF-8 with a BOM, so Excel in a Russian locale opens it as columns with Cyrillic as
written. The dashboard's «Выгрузить» and `okno report requests` write the same file."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Client, Contact, Request, Staff
from storage.repos.org_chart import in_group
from web.texts import text

ROWS_MAX = 100_000
COLUMNS = (
    "number",
    "opened",
    "channel",
    "client",
    "inn",
    "contact",
    "what",
    "assignee",
    "status",
    "first_response",
    "first_response_minutes",
    "sla",
    "due",
    "done",
    "rating",
    "rating_comment",
)
# A cell Excel would read as a formula ("=HYPERLINK(…)" in a client's message) is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def period(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The company's days from `start` to `end`, both whole, as [from, to) instants."""
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)


async def period_requests(
    session: AsyncSession, *, since: datetime, until: datetime, team: set[int] | None
) -> Sequence[tuple[Request, Client | None, Contact | None]]:
    """The period's requests with their client and contact, joined (a year of an eighty-person office is tens
    of thousands of rows: more ids than a database takes in one IN list)."""
    query = (
        select(Request, Client, Contact)
        .outerjoin(Client, col(Client.id) == col(Request.client_id))
        .outerjoin(Contact, col(Contact.id) == col(Request.contact_id))
        .where(col(Request.created_at) >= since, col(Request.created_at) < until)
    )
    if team is not None:
        query = query.where(in_group(team))
    rows = await session.execute(query.order_by(col(Request.id)).limit(ROWS_MAX))
    return [(request, client, contact) for request, client, contact in rows.all()]


def _cell(value: object) -> str:
    written = "" if value is None else str(value)
    return "'" + written if written.startswith(_FORMULA_START) else written


def _sla(request: Request, now: datetime, lang: str) -> str:
    if request.sla_due_at is None:
        return ""
    answered = request.first_response_at
    if answered is None:
        return text("report.sla_late", lang) if now > request.sla_due_at else ""
    return text("report.sla_met" if answered <= request.sla_due_at else "report.sla_late", lang)


async def requests_csv(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    team: set[int] | None,
    tz: ZoneInfo,
    lang: str,
    now: datetime,
) -> tuple[bytes, int]:
    """The file and how many requests it holds."""
    requests = await period_requests(session, since=since, until=until, team=team)
    names = {s.id: s.name for s in (await session.execute(select(Staff))).scalars()}

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M") if moment is not None else ""

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([text(f"report.{c}", lang) for c in COLUMNS])
    for r, client, contact in requests:
        minutes = (
            round((r.first_response_at - r.created_at).total_seconds() / 60)
            if r.first_response_at is not None
            else None
        )
        row = (
            r.id,
            when(r.created_at),
            r.origin_channel,
            r.company_name or (client.name if client is not None else ""),
            r.inn or (client.inn if client is not None else ""),
            contact.label() if contact is not None else "",
            " ".join((r.what or "").split()),
            names.get(r.assignee_id, "") if r.assignee_id is not None else "",
            text(f"status.{r.status}", lang),
            when(r.first_response_at),
            minutes,
            _sla(r, now, lang),
            when(r.due_at),
            when(r.done_at),
            r.rating,
            " ".join((r.rating_comment or "").split()),
        )
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8"), len(requests)
