"""A client who owes us an answer and has gone silent. A request waiting for the client (acts, a signed
contract, the month's bank statement) past the date the client was given, or the company's client_wait_days
without a word, is told once per wait to the staff member it is with, so it is chased before the report it
holds up is late. Runs in staff_tick; a reminder we send starts the wait again (storage/repos/requests)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from intake.sla import client_wait_due
from storage.models import Client, Request, Staff
from storage.repos.company_settings import sla_settings
from storage.repos.staff_bot import active_staff, notice_status
from workers.context import JobContext
from workers.escalation import escalation_chain
from workers.notify_texts import say
from workers.staff_cards import card_client, one_line, request_link
from workers.staff_delivery import staffbot_settings, tell, their_lang, their_time

WHAT_CHARS = 200


async def silent_clients(app: JobContext) -> int:
    cfg = staffbot_settings(app)
    now, tz = app.clock(), app.policy.tz
    async with app.db.session() as session:
        sla = await sla_settings(session)
        query = select(Request).where(col(Request.status) == "waiting_client")
        overdue = [
            (request, due)
            for request in (await session.execute(query)).scalars().all()
            if (due := client_wait_due(request, sla, tz)) is not None and due <= now
        ]
        # every tick (20 s) finds the ones told already: skipped before their client and chain are looked up
        overdue = [
            (r, due)
            for r, due in overdue
            if await notice_status(session, key=_key(r, due)) in (None, "pending")
        ]
        people = {s.id: s for s in await active_staff(session)}
        clients: dict[int | None, Client | None] = {}
        labels: dict[int | None, str | None] = {}
        for request, _ in overdue:
            client = await session.get(Client, request.client_id) if request.client_id else None
            clients[request.id], labels[request.id] = client, await card_client(session, client, request)
    sent = 0
    for request, due in overdue:
        client = clients.get(request.id)
        owner = request.assignee_id or (client.responsible_staff_id if client else None)
        person = await _told(app, people.get(owner), owner, request)
        if person is None or person.telegram_user_id is None:
            continue
        lang = their_lang(app, person)
        text = say(
            "client_silent",
            lang,
            request=request.id,
            client=labels.get(request.id) or say("unknown_client", lang),
            what=one_line(request.what or "—", WHAT_CHARS),
            since=their_time(app, person, request.last_activity_at),
            due=their_time(app, person, due),
        )
        if person.id != owner and owner in people:
            text += "\n" + say("client_silent_owner", lang, name=people[owner].name)
        link = request_link(cfg.web_url, request.id)
        sent += await tell(app, person, key=_key(request, due), kind="client_silent", text=text, link=link)
    return sent


def _key(request: Request, due: datetime) -> str:
    """Once per wait: a wait started over (our reminder, a new date) has another due time."""
    return f"client_silent:{request.id}:{due.isoformat()}"


async def _told(app: JobContext, owner: Staff | None, owner_id: int | None, request: Request) -> Staff | None:
    """The staff member the request is with, or the client's manager; when neither can be reached by the bot
    (nobody's, left, never connected), the first of the chain above them, or of the line's group."""
    if owner is not None and owner.telegram_user_id:
        return owner
    if owner_id is None and request.group_head_id is not None:
        chain = await escalation_chain(app, head=request.group_head_id)
    else:
        chain = await escalation_chain(app, above=owner_id)
    return chain[0] if chain else None
