"""The supervisor dashboard: first-response times, requests by status, overdue, clients silent past their
date, the clients' ratings, conflicts, daily volume, and how right the assistant's conflict alerts were by
the staff's verdicts; a head sees their group's by default (Staff.head_id), and any head's group or the
whole company on request. The message volume is the company's."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from intake.sla import client_silent
from storage.models import Alert, Message, Request, Staff
from storage.repos.alerts import verdicts
from storage.repos.company_settings import client_notices, sla_settings
from storage.repos.org_chart import group_of, heads_with_groups, in_group
from storage.types import utcnow
from web.charts import hbars, stacked_days
from web.queries import is_overdue, staff_names
from web.report import period, requests_csv
from web.ui import company_tz, lang, me, render, require_role, state, t

DAYS = 14
VERDICT_DAYS = 90  # the conflict alerts whose verdicts the assistant's figures count
RECENT_DAYS = 90  # first response times and finished requests count the requests created within these days
CLOSED = ("done", "cancelled")
EXPORT_DAYS = 30  # the export's period unless asked: the last thirty days, today's included


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _frt_rows(groups: dict[str, list[float]]) -> list[tuple[str, list[float]]]:
    return [(name, [percentile(v, 0.5), percentile(v, 0.9)]) for name, v in sorted(groups.items())]


async def _group(session: AsyncSession, request: web.Request) -> tuple[str, set[int] | None, list[Staff]]:
    """Whose requests the page counts: `?team=<head id>` or `all`; by default a head's own group (everyone
    whose chart reaches them, and them), else the whole company. Also the heads there are to choose from."""
    heads = await heads_with_groups(session)
    wanted = request.query.get("team", "")
    mine = me(request).id or 0
    if wanted == "" and any(h.id == mine for h in heads):
        wanted = str(mine)
    head = next((h for h in heads if str(h.id) == wanted), None)
    if head is None:
        return "all", None, heads
    return str(head.id), await group_of(session, head.id or 0), heads


async def dashboard(request: web.Request) -> web.Response:
    require_role(request, "supervisor", "admin")
    now = utcnow()
    since = now - timedelta(days=DAYS)
    async with state(request).services.db.session() as session:
        names = await staff_names(session)
        chosen, team, heads = await _group(session, request)
        ours = [in_group(team)] if team is not None else []
        recent = select(Request).where(col(Request.created_at) >= now - timedelta(days=RECENT_DAYS), *ours)
        requests = (await session.execute(recent)).scalars().all()
        # every open request, however old: an overdue one from four months ago is the one to see
        still_open = select(Request).where(col(Request.status).not_in(CLOSED), *ours)
        open_requests = (await session.execute(still_open)).scalars().all()
        sla = await sla_settings(session)
        low_score = (await client_notices(session)).low_score
        conflicts = select(Alert).where(col(Alert.kind) == "conflict")
        if team is not None:
            conflicts = conflicts.join(Request, col(Request.id) == col(Alert.request_id)).where(*ours)
        alerts = (
            (await session.execute(conflicts.order_by(col(Alert.created_at).desc()).limit(30)))
            .scalars()
            .all()
        )
        recent_conflicts = (
            await session.execute(
                conflicts.where(col(Alert.created_at) >= now - timedelta(days=VERDICT_DAYS))
            )
        ).scalars()
        judged = verdicts(recent_conflicts)
        volume = (
            await session.execute(
                select(Message.channel, Message.sent_at).where(
                    col(Message.sent_at) >= since, col(Message.direction) == "inbound"
                )
            )
        ).all()
    per_manager: dict[str, list[float]] = defaultdict(list)
    per_channel: dict[str, list[float]] = defaultdict(list)
    for r in requests:
        if r.first_response_at is not None:
            minutes = (r.first_response_at - r.created_at).total_seconds() / 60
            per_manager[names.get(r.assignee_id or 0, t(request, "unassigned"))].append(minutes)
            per_channel[r.origin_channel].append(minutes)
    per_rating: dict[str, list[int]] = defaultdict(list)
    for r in requests:
        if r.rating is not None:
            per_rating[names.get(r.assignee_id or 0, t(request, "unassigned"))].append(r.rating)
    scores = [score for v in per_rating.values() for score in v]
    low_rated = sorted(
        (r for r in requests if r.rating is not None and r.rating <= low_score),
        key=lambda r: r.rated_at or r.created_at,
        reverse=True,
    )
    tz = company_tz(request)  # a day is the company's day, not UTC's
    days = [(now - timedelta(days=DAYS - 1 - i)).astimezone(tz).date().isoformat() for i in range(DAYS)]
    series: dict[str, list[int]] = {}
    for channel, sent_at in volume:
        values = series.setdefault(str(channel), [0] * DAYS)
        day = sent_at.astimezone(tz).date().isoformat()
        if day in days:
            values[days.index(day)] += 1
    # open now (any age) and finished among the last RECENT_DAYS' requests
    by_status = Counter(r.status for r in open_requests) + Counter(
        r.status for r in requests if r.status in CLOSED
    )
    p_series = ["p50", "p90"]
    unit = t(request, "dash.minutes")
    return render(
        request,
        "dashboard.html",
        frt_manager=hbars(_frt_rows(per_manager), series=p_series, unit=unit),
        frt_channel=hbars(_frt_rows(per_channel), series=p_series, unit=unit),
        frt_table=_frt_rows(per_manager),
        by_status=by_status,
        status_chart=hbars(
            [(t(request, f"status.{s}"), [float(n)]) for s, n in sorted(by_status.items())],
            series=["#"],
            unit="",
        ),
        overdue=[r for r in open_requests if is_overdue(r, now)],
        # waiting for a client past the date they were given: the acts that will hold up a report
        silent=[r for r in open_requests if client_silent(r, sla, tz, now)],
        alerts=alerts,
        # the clients' own word once their requests were done: per manager (average, count, low) and the low
        ratings=[
            (name, sum(v) / len(v), len(v), sum(score <= low_score for score in v))
            for name, v in sorted(per_rating.items())
        ],
        rating_average=sum(scores) / len(scores) if scores else None,
        rating_count=len(scores),
        low_rated=low_rated[:10],
        low_score=low_score,
        recent_days=RECENT_DAYS,
        verdicts=judged,
        verdict_days=VERDICT_DAYS,
        volume=stacked_days(days, series),
        staff=names,
        team=chosen,
        heads=heads,
        export_from=(now.astimezone(tz).date() - timedelta(days=EXPORT_DAYS - 1)).isoformat(),
        export_to=now.astimezone(tz).date().isoformat(),
    )


def _day(request: web.Request, name: str, default: date) -> date:
    raw = request.query.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name}: a date as YYYY-MM-DD, not {raw[:20]!r}") from None


async def requests_export(request: web.Request) -> web.Response:
    """The requests opened from `from` to `to` (the company's days, both whole; the last thirty by default)
    of the page's group, as a CSV for Excel (web/report.py)."""
    require_role(request, "supervisor", "admin")
    now, tz = utcnow(), company_tz(request)
    today = now.astimezone(tz).date()
    start = _day(request, "from", today - timedelta(days=EXPORT_DAYS - 1))
    end = _day(request, "to", today)
    if start > end:
        raise web.HTTPBadRequest(text="from is after to")
    since, until = period(start, end, tz)
    async with state(request).services.db.session() as session:
        _chosen, team, _heads = await _group(session, request)
        body, _count = await requests_csv(
            session, since=since, until=until, team=team, tz=tz, lang=lang(request), now=now
        )
    name = f"okno-requests-{start.isoformat()}-{end.isoformat()}.csv"
    return web.Response(
        body=body,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",  # client data: not kept by a shared cache
        },
    )
