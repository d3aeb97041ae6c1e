"""A request's own deadline (the client's «до пятницы», a report due on the 20th): its assignee is reminded
before it and told when it passes; still open after escalation_minutes, their head (else the supervisor on
duty) is told. A request nobody has reaches that head at once. The SLA (workers/notify.check_sla) is the
first answer; this is the work itself — the missed report whose fine the accounting firm pays."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from storage.models import Request, Staff
from storage.models.requests import OPEN_STATUSES
from storage.repos.staff_bot import active_staff, notice_status
from workers.context import JobContext
from workers.escalation import escalation_chain
from workers.notify_texts import say
from workers.staff_cards import one_line, request_clients, request_link
from workers.staff_delivery import staffbot_settings, tell, their_lang, their_time

RECENT = timedelta(days=7)  # overdue longer than this: the inbox and the dashboard show it; no late notices
WHAT_CHARS = 200


async def request_deadlines(app: JobContext) -> int:
    cfg = staffbot_settings(app)
    now = app.clock()
    soon, late = timedelta(minutes=cfg.reminder_minutes), timedelta(minutes=cfg.escalation_minutes)
    async with app.db.session() as session:
        query = select(Request).where(
            col(Request.status).in_(OPEN_STATUSES),
            col(Request.due_at) >= now - RECENT,
            col(Request.due_at) <= now + soon,
        )
        requests = (await session.execute(query)).scalars().all()
        people = {s.id: s for s in await active_staff(session)}
        steps: list[tuple[Request, str, str]] = []  # request, step, its notice key
        for request in requests:
            assert request.due_at is not None
            step = "soon" if now < request.due_at else ("late" if now >= request.due_at + late else "due")
            key = f"request_due:{request.id}:{request.due_at.isoformat()}:{step}"
            # every tick (20 s) finds the ones told already: skipped before anything is looked up for them
            if await notice_status(session, key=key) in (None, "pending"):
                steps.append((request, step, key))
        labels = await request_clients(session, (request for request, _, _ in steps))
    sent = 0
    for request, step, key in steps:
        assert request.due_at is not None
        assignee = people.get(request.assignee_id)
        if step == "late" or assignee is None:
            chain = await escalation_chain(app, above=request.assignee_id, head=_nobodys_head(request))
            person: Staff | None = chain[0] if chain else None
        else:
            person = assignee
        if person is None or not person.telegram_user_id:
            continue
        lang = their_lang(app, person)
        text = say(
            f"request_{step}",
            lang,
            request=request.id,
            client=labels.get(request.id) or say("unknown_client", lang),
            what=one_line(request.what or "—", WHAT_CHARS),
            due=their_time(app, person, request.due_at),
            assignee=assignee.name if assignee else say("nobody", lang),
        )
        link = request_link(cfg.web_url, request.id)
        sent += await tell(app, person, key=key, kind="request_due", text=text, link=link)
    return sent


def _nobodys_head(request: Request) -> int | None:
    """Nobody has it: the head of the group that answers its line, when it has one."""
    return request.group_head_id if request.assignee_id is None else None
