"""The inbox: four queues with counts, filters, rows sorted by how long the client has waited (and, among
those waiting for the client, the silent past their date first)."""

from __future__ import annotations

from aiohttp import web

from intake.schema import CHANNELS
from intake.sla import client_silent
from storage.repos.client_tags import TagError, key_of, tag_counts
from storage.repos.company_settings import sla_settings
from storage.repos.org_chart import heads_with_groups
from storage.types import utcnow
from web.queries import QUEUES, inbox_rows, queue_counts, queue_requests, staff_names
from web.ui import company_tz, me, render, state


async def inbox(request: web.Request) -> web.Response:
    queue = request.query.get("queue", "unanswered")
    if queue not in QUEUES:
        queue = "unanswered"
    channel = request.query.get("channel", "")
    assignee = request.query.get("assignee", "")
    client = request.query.get("client", "").strip()
    overdue = request.query.get("overdue") == "1"
    tag = _tag(request.query.get("tag", ""))
    now = utcnow()
    async with state(request).services.db.session() as session:
        names = await staff_names(session)
        heads = await heads_with_groups(session)
        counts = await queue_counts(session, me(request))
        picked = await queue_requests(
            session, me(request), queue, channel=channel, assignee=assignee, tag=tag
        )
        rows = await inbox_rows(session, picked, names, now)
        sla = await sla_settings(session)
        tags = await tag_counts(session)
    tz = company_tz(request)
    silent = {r.request.id for r in rows if client_silent(r.request, sla, tz, now)}
    rows.sort(key=lambda r: r.request.id not in silent)  # stable: the rest keep their order
    if client:
        rows = [r for r in rows if client.lower() in r.client.lower()]
    if overdue:
        rows = [r for r in rows if r.overdue]
    return render(
        request,
        "inbox.html",
        queue=queue,
        queues=list(QUEUES),
        counts=counts,
        rows=rows,
        silent=silent,  # waiting for a client who has not answered by their date
        channels=CHANNELS,
        staff=names,
        heads=heads,
        tags=tags,
        filters={"channel": channel, "assignee": assignee, "client": client, "overdue": overdue, "tag": tag},
    )


def _tag(raw: str) -> str | None:
    """`?tag=` as a tag's key, in any spelling («УСН», «усн»); none for an empty or impossible one."""
    try:
        return key_of(raw) if raw.strip() else None
    except TagError:
        return None
