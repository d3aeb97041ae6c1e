"""Staff notifications as jobs: conflict/SLA alerts to the assignee and supervisors, escalation one level up
when nobody acknowledges within N minutes (the clock is JobContext.clock, so tests inject it), SLA checks in
business time, task reminders and overdue notices, and the supervisors' daily digest (workers/digest.py).
`staff_tick` runs them all: an arq cron job on the io queue, or a PeriodicSweep in `okno listen`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Alert, Attachment, Client, Message, Outbox, Request, Staff, Task
from storage.repos.audit import audit
from storage.repos.staff_bot import active_staff
from workers.client_wait import silent_clients
from workers.context import JobContext, services
from workers.digest import send_digests
from workers.escalation import escalation_chain
from workers.notify_texts import say
from workers.request_deadlines import request_deadlines
from workers.staff_cards import alert_keyboard, alert_text, card_client, one_line, request_link
from workers.staff_delivery import (
    deliver,
    staff_account,
    staffbot_settings,
    tell,
    their_lang,
    their_time,
)
from workers.survey import low_ratings

log = logging.getLogger(__name__)
ALERT_KINDS = ("conflict", "sla_breach")
RECENT_ALERT = timedelta(days=1)
RECENT_TASK = timedelta(days=7)  # overdue longer than this: the board shows it; no late reminders
RECENT_FAILURE = timedelta(days=3)  # a bounce can come hours after the send
REPLY_CHARS = 300


def recipients(kind: str, level: int, assignee: Staff | None, chain: Sequence[Staff]) -> list[Staff]:
    """A conflict goes to the assignee and the first supervisor at once; an SLA breach to the assignee first
    (the first supervisor when nobody is assigned). Each escalation adds the next person of the chain."""
    first = [assignee] if assignee is not None and assignee.telegram_user_id else []
    step = level if kind == "conflict" or not first else level - 1
    if level == 0:
        extra = chain[:1] if kind == "conflict" or not first else []
        return first + [s for s in extra if s.id != (assignee.id if assignee else None)]
    return [chain[step]] if 0 <= step < len(chain) else []


async def _assignee(app: JobContext, alert: Alert) -> Staff | None:
    async with app.db.session() as session:
        request = await session.get(Request, alert.request_id) if alert.request_id else None
        if request is None or request.assignee_id is None:
            return None
        staff = await session.get(Staff, request.assignee_id)
    return staff if staff is not None and staff.active else None


async def _chain_for(app: JobContext, alert: Alert) -> list[Staff]:
    """The escalation chain above the request's assignee, else above the client's responsible manager, else
    from the head of the group whose line the request came in on."""
    async with app.db.session() as session:
        request = await session.get(Request, alert.request_id) if alert.request_id else None
        client_id = alert.client_id or (request.client_id if request else None)
        client = await session.get(Client, client_id) if client_id else None
    above = (request.assignee_id if request else None) or (client.responsible_staff_id if client else None)
    if above is None and request is not None and request.group_head_id is not None:
        return await escalation_chain(app, head=request.group_head_id)  # nobody's yet: the line's group head
    return await escalation_chain(app, above=above)


async def _send_alert(app: JobContext, alert: Alert, people: Sequence[Staff], level: int) -> int:
    cfg = staffbot_settings(app)
    texts: dict[str, str] = {}  # by the reader's language
    async with app.db.session() as session:
        for lang in {cfg.language, *(their_lang(app, person) for person in people)}:
            texts[lang] = await alert_text(session, alert, web_url=cfg.web_url, lang=lang, level=level)
    text = texts[cfg.language]  # the supervisors' group reads the company's
    sent = 0
    for person in people:
        assert person.telegram_user_id is not None
        lang = their_lang(app, person)
        message_id = await deliver(
            app,
            key=f"alert:{alert.id}:staff:{person.id}",
            kind="escalation" if level else "alert",
            chat_id=person.telegram_user_id,
            text=texts[lang],
            markup=alert_keyboard(alert.id or 0, lang, conflict=alert.kind == "conflict"),
            staff_id=person.id,
            alert_id=alert.id,
        )
        sent += message_id is not None
    if level == 0 and cfg.supervisor_chat_id is not None and alert.kind == "conflict":
        sent += (
            await deliver(
                app,
                key=f"alert:{alert.id}:chat:{cfg.supervisor_chat_id}",
                kind="alert",
                chat_id=cfg.supervisor_chat_id,
                text=text,
                markup=alert_keyboard(alert.id or 0, cfg.language, conflict=alert.kind == "conflict"),
                alert_id=alert.id,
            )
            is not None
        )
    return sent


async def notify_alert(ctx: dict[str, Any], alert_id: int) -> int:
    """Level 0 of one alert (enqueue it right after the alert commits; staff_tick catches any it missed)."""
    app = services(ctx)
    async with app.db.session() as session:
        alert = await session.get(Alert, alert_id)
    if alert is None or alert.status != "new" or await staff_account(app) is None:
        return 0
    people = recipients(alert.kind, 0, await _assignee(app, alert), await _chain_for(app, alert))
    return await _send_alert(app, alert, people, 0)


async def escalate_alerts(app: JobContext) -> int:
    """An alert still `new` after escalation_minutes × (level + 1) goes one level up, once per level."""
    cfg = staffbot_settings(app)
    now = app.clock()
    async with app.db.session() as session:
        query = select(Alert).where(col(Alert.status) == "new", col(Alert.kind).in_(ALERT_KINDS))
        # An alert older than a day was seen (or missed) long ago: a new staff bot does not replay history.
        query = query.where(col(Alert.created_at) >= now - RECENT_ALERT)
        alerts = (await session.execute(query)).scalars().all()
    escalated = 0
    for alert in alerts:
        await notify_alert({"okno": app}, alert.id or 0)
        level = alert.escalation_level + 1
        if now < alert.created_at + timedelta(minutes=cfg.escalation_minutes * level):
            continue
        people = recipients(alert.kind, level, await _assignee(app, alert), await _chain_for(app, alert))
        if not people or not await _raise_level(app, alert, level):
            continue
        await _send_alert(app, alert, people, level)
        escalated += 1
    return escalated


async def _raise_level(app: JobContext, alert: Alert, level: int) -> bool:
    """A conditional UPDATE: two ticks at once raise a level only once."""
    async with app.db.session() as session:
        done = await session.execute(
            update(Alert)
            .where(col(Alert.id) == alert.id, col(Alert.status) == "new")
            .where(col(Alert.escalation_level) == level - 1)
            .values(escalation_level=level)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            return False
        await audit(
            session,
            actor_kind="system",
            action="alert.escalate",
            entity="alert",
            entity_id=alert.id,
            details={"level": level},
        )
        await session.commit()
    return True


async def check_sla(app: JobContext) -> int:
    """Requests still without a first answer past their SLA deadline become sla_breach alerts (one per
    request); delivery and escalation then follow the alert path. The deadline is the one intake set from the
    company calendar (business hours, holidays: intake/sla.py), so the inbox and the bot agree on it."""
    now = app.clock()
    opened = 0
    async with app.db.session() as session:
        query = select(Request).where(col(Request.status) == "new", col(Request.first_response_at).is_(None))
        for request in (await session.execute(query)).scalars().all():
            due = request.sla_due_at or request.created_at + app.policy.sla_first_response
            if now < due:
                continue
            known = select(Alert.id).where(
                col(Alert.kind) == "sla_breach", col(Alert.request_id) == request.id
            )
            if (await session.execute(known)).first() is not None:
                continue
            alert = Alert(
                kind="sla_breach",
                severity=2,
                category="first_response",
                request_id=request.id,
                client_id=request.client_id,
                created_at=now,
            )
            session.add(alert)
            await session.flush()
            await audit(
                session, actor_kind="system", action="alert.create", entity="alert", entity_id=alert.id
            )
            opened += 1
        await session.commit()
    return opened


async def task_reminders(app: JobContext) -> int:
    """Before the due time: the assignee; past it: the assignee, then (escalation_minutes on) their head, else
    a supervisor."""
    cfg = staffbot_settings(app)
    now = app.clock()
    async with app.db.session() as session:
        query = select(Task).where(col(Task.status) == "open", col(Task.due_at) >= now - RECENT_TASK)
        tasks = (await session.execute(query)).scalars().all()
        people = {s.id: s for s in await active_staff(session)}
    chains: dict[int | None, list[Staff]] = {}
    sent = 0
    for task in tasks:
        assert task.due_at is not None
        assignee = people.get(task.assignee_id)
        due = their_time(app, assignee, task.due_at)  # each notice in its reader's zone and language
        lang = their_lang(app, assignee)
        steps: list[tuple[str, Staff | None, str]] = []
        if task.due_at - timedelta(minutes=cfg.reminder_minutes) <= now < task.due_at:
            steps.append(("remind", assignee, say("task_reminder", lang, title=task.title, due=due)))
        if now >= task.due_at:
            steps.append(("overdue", assignee, say("task_overdue", lang, title=task.title, due=due)))
        late = now >= task.due_at + timedelta(minutes=cfg.escalation_minutes)
        if late and task.assignee_id not in chains:
            chains[task.assignee_id] = await escalation_chain(app, above=task.assignee_id)
        chain = chains.get(task.assignee_id, []) if late else []
        if chain:
            name = assignee.name if assignee else "—"
            late_due = their_time(app, chain[0], task.due_at)
            head_lang = their_lang(app, chain[0])
            text = say("task_overdue_supervisor", head_lang, title=task.title, assignee=name, due=late_due)
            steps.append(("overdue_supervisor", chain[0], text))
        for step, person, text in steps:
            if person is None or not person.telegram_user_id:
                continue
            key = f"task:{task.id}:{step}:{person.id}"
            sent += (
                await deliver(
                    app,
                    key=key,
                    kind="task_reminder",
                    chat_id=person.telegram_user_id,
                    text=text,
                    staff_id=person.id,
                )
                is not None
            )
    return sent


async def failed_replies(app: JobContext) -> int:
    """A reply the client did not get (refused, blocked, bounced hours later), told once to the staff member
    who wrote it: they answered and moved on, and the request looked answered."""
    web_url = staffbot_settings(app).web_url
    async with app.db.session() as session:
        query = (
            select(Outbox, Message)
            .join(Message, col(Message.id) == col(Outbox.message_id))
            .where(col(Outbox.status) == "failed", col(Outbox.created_at) >= app.clock() - RECENT_FAILURE)
            .where(col(Message.author_staff_id).is_not(None))
            # a broadcast's copy answers no request: its failures are on its page, not one notice each
            .where(col(Message.request_id).is_not(None))
        )
        failed = (await session.execute(query)).all()
        files = await _file_names(session, [m.id for _, m in failed])
        people = {s.id: s for s in await active_staff(session)}
        clients: dict[int | None, str | None] = {}
        for request_id in {m.request_id for _, m in failed} - {None}:
            request = await session.get(Request, request_id)
            client = await session.get(Client, request.client_id) if request and request.client_id else None
            clients[request_id] = await card_client(session, client, request)
    sent = 0
    for outbox, message in failed:
        author = people.get(message.author_staff_id)
        if author is None or not author.telegram_user_id:
            continue
        lang = their_lang(app, author)
        text = say(
            "reply_failed",
            lang,
            request=message.request_id or "—",
            client=clients.get(message.request_id) or say("unknown_client", lang),
            # a reply of files alone is told by their names
            text=one_line(message.text or ", ".join(files.get(message.id, [])), REPLY_CHARS),
            reason=one_line(outbox.last_error or "—", REPLY_CHARS),
        )
        link = request_link(web_url, message.request_id, message.id)
        sent += await tell(
            app, author, key=f"reply_failed:{outbox.id}", kind="reply_failed", text=text, link=link
        )
    return sent


async def _file_names(session: AsyncSession, message_ids: list[int | None]) -> dict[int | None, list[str]]:
    """«📎 name» of each file the messages carried, by message id."""
    query = select(Attachment.message_id, Attachment.filename).where(
        col(Attachment.message_id).in_(message_ids)
    )
    names: dict[int | None, list[str]] = {}
    for message_id, filename in (await session.execute(query.order_by(col(Attachment.position)))).all():
        names.setdefault(message_id, []).append(f"📎 {filename or '—'}")
    return names


async def staff_tick(ctx: dict[str, Any]) -> dict[str, int]:
    """Everything time-driven, once; idempotent, so overlapping or repeated ticks send nothing twice."""
    app = services(ctx)
    if await staff_account(app) is None:
        return {}
    return {
        "sla": await check_sla(app),
        "escalated": await escalate_alerts(app),
        "reminders": await task_reminders(app),
        "digests": await send_digests(app),
        "failed_replies": await failed_replies(app),
        "silent_clients": await silent_clients(app),
        "request_deadlines": await request_deadlines(app),
        "low_ratings": await low_ratings(app),
    }
