"""The inbox: four queues with counts, filters, rows sorted by how long the client has waited."""

from __future__ import annotations

from aiohttp import web

from storage.repos.org_chart import heads_with_groups
from storage.types import utcnow
from web.queries import QUEUES, inbox_rows, queue_counts, queue_requests, staff_names
from web.ui import me, render, state

CHANNELS = ("telegram", "whatsapp", "email", "telephony", "api")


async def inbox(request: web.Request) -> web.Response:
    queue = request.query.get("queue", "unanswered")
    if queue not in QUEUES:
        queue = "unanswered"
    channel = request.query.get("channel", "")
    assignee = request.query.get("assignee", "")
    client = request.query.get("client", "").strip()
    overdue = request.query.get("overdue") == "1"
    now = utcnow()
    async with state(request).services.db.session() as session:
        names = await staff_names(session)
        heads = await heads_with_groups(session)
        counts = await queue_counts(session, me(request))
        picked = await queue_requests(session, me(request), queue, channel=channel, assignee=assignee)
        rows = await inbox_rows(session, picked, names, now)
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
        channels=CHANNELS,
        staff=names,
        heads=heads,
        filters={"channel": channel, "assignee": assignee, "client": client, "overdue": overdue},
    )
