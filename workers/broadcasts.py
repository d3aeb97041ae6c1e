"""Broadcasts («рассылки»): one notice — a tax deadline, new bank details, the holiday hours — to every client
who wrote in the chosen channels lately (or to one group's clients, or to those with a tag), each copy in the
channel the person last wrote from, filled in for them ({имя}, {компания}, {менеджер}), kept in their history
and tracked as a reply is. Nobody gets it twice, nor a blocked contact, one who asked for no broadcasts, or
one whose channel is closed; a WhatsApp client outside the 24-hour window gets the template when one is given.
Who did not get it, and why, is written down beside who did. A scheduled one may repeat every week, month,
quarter or year: each occurrence, as its copies are written, leaves the next one scheduled."""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from channels.whatsapp.directives import template_directive
from channels.whatsapp.templates import Template
from intake.schema import AttachmentRef
from storage.db import Database
from storage.models import (
    Broadcast,
    BroadcastRecipient,
    ChannelIdentity,
    Client,
    ClientContact,
    Contact,
    Conversation,
    Message,
    Outbox,
    Request,
    Staff,
)
from storage.repos.audit import audit
from storage.repos.client_tags import TagError, contacts_with, key_of, label_of
from storage.repos.forget import FORGOTTEN_CHAT
from storage.repos.org_chart import group_of, in_group
from workers.context import services
from workers.outbound import enqueue_send, write_outbound
from workers.queue import JobQueue
from workers.recurrence import first_due_after
from workers.saved_replies import PLACEHOLDERS, SavedReplyError, check_text, fill, unfilled

# The channels a notice can be written in; calls are answered by phone, the API's integrators have no inbox.
CHANNELS = ("telegram", "whatsapp", "viber", "email")
WHATSAPP_WINDOW = timedelta(hours=24)
SINCE_DAYS_MAX = 3660
SCHEDULE_DAYS_MAX = 366
REPEATS = ("weekly", "monthly", "quarterly", "yearly")  # the rules it may repeat by (workers/recurrence.py)
log = logging.getLogger(__name__)
JOB = "send_broadcast"
# a queue may run a deferred job a moment before its time by the database's clock; later than that it
# waits for the sweeper
EARLY = timedelta(seconds=5)
# Why a person got nothing, in the order the checks run (web.texts names each).
SKIPS = (
    "blocked",
    "opted_out",
    "unreachable",
    "whatsapp_window",
    "whatsapp_files",
    "viber_files",
    "unfilled",
)


class BroadcastError(ValueError):
    """Why a broadcast was not sent: `reason` names the text staff read, `value` goes into it."""

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(f"{reason}: {value}" if value else reason)
        self.reason, self.value = reason, value


@dataclass(frozen=True)
class Draft:
    text: str
    channels: tuple[str, ...]
    since_days: int
    team: int | None = None  # a head's id: only their group's clients
    subject: str | None = None
    whatsapp_template: str | None = None
    send_at: datetime | None = None  # later, not at once
    attachments: tuple[AttachmentRef, ...] = ()  # in blob storage: every copy carries them
    repeat: str | None = None  # one of REPEATS: each occurrence schedules the next
    tag: str | None = None  # a client tag's key: only the clients with it

    def audience(self) -> dict[str, Any]:
        audience = {"channels": list(self.channels), "since_days": self.since_days, "team": self.team}
        # only when chosen: a broadcast stored before tags reads the same
        return audience | ({"tag": self.tag} if self.tag is not None else {})

    def columns(self) -> dict[str, Any]:
        """What a broadcast row keeps of the draft: `send` stores them, `revise` replaces them."""
        return {
            "text": self.text,
            "subject": self.subject,
            "whatsapp_template": self.whatsapp_template,
            "audience": self.audience(),
            "attachments": [ref.model_dump(mode="json", exclude_none=True) for ref in self.attachments],
            "send_at": self.send_at,
            "repeat": self.repeat,
        }


def check_draft(
    *,
    text: str,
    channels: list[str],
    since_days: str | int,
    team: int | None = None,
    subject: str | None = None,
    whatsapp_template: str | None = None,
    send_at: datetime | None = None,
    now: datetime | None = None,
    attachments: tuple[AttachmentRef, ...] = (),
    known_templates: Mapping[str, Template] | None = None,
    repeat: str | None = None,
    tag: str | None = None,
) -> Draft:
    """The form as sent, checked: the saved replies' rules for the text (no {номер}: a broadcast answers no
    request), a known channel, a period, a tag that can be one (`check_tag` asks whether a client has it), a
    template WhatsApp can read (and, when it is one of the synced `known_templates`, one okno can send, with
    its number of parameters), a sending time ahead of `now` and
    within a year, a repeat only by a known rule and from a sending time (the first occurrence's, which the
    next ones keep). (A subject is asked for only when someone would get it by email: `check_plan`.)"""
    try:
        body = check_text(text)
    except SavedReplyError as exc:
        raise BroadcastError(exc.reason, exc.value) from None
    if any(PLACEHOLDERS[name[1:-1].casefold()] == "number" for name in unfilled(body)):
        raise BroadcastError("number")
    chosen = tuple(c for c in CHANNELS if c in channels)
    if not chosen:
        raise BroadcastError("no_channels")
    try:
        days = int(since_days)
    except (TypeError, ValueError):
        raise BroadcastError("bad_days", str(since_days)[:10]) from None
    if not 1 <= days <= SINCE_DAYS_MAX:
        raise BroadcastError("bad_days", str(days))
    subject = (subject or "").strip() or None
    template = (whatsapp_template or "").strip().removeprefix("/template").strip() or None
    if template is not None:
        _check_template(template, known_templates or {})
    if send_at is not None:
        if now is None or send_at <= now:
            raise BroadcastError("when_past")
        if send_at - now > timedelta(days=SCHEDULE_DAYS_MAX):
            raise BroadcastError("when_far", str(SCHEDULE_DAYS_MAX))
    repeat = repeat or None
    if repeat is not None and repeat not in REPEATS:
        raise BroadcastError("bad_repeat", repeat[:20])
    if repeat is not None and send_at is None:
        raise BroadcastError("repeat_needs_time")
    subject = subject if "email" in chosen else None
    try:
        key = key_of(tag) if tag and tag.strip() else None
    except TagError:
        raise BroadcastError("unknown_tag", tag[:40] if tag else "") from None
    return Draft(body, chosen, days, team, subject, template, send_at, attachments, repeat, key)


async def check_tag(session: AsyncSession, draft: Draft) -> None:
    """A tag no client has narrows the audience to nobody: refused while the member can still pick another
    (a tag taken off every client before a scheduled one goes leaves it nobody to write to)."""
    if draft.tag is not None and await label_of(session, key=draft.tag) is None:
        raise BroadcastError("unknown_tag", draft.tag)


def _check_template(template: str, known: Mapping[str, Template]) -> None:
    """Readable as a directive; a synced template also sendable and given its number of parameters, which
    Meta would otherwise refuse copy by copy (132000)."""
    directive = template_directive(f"/template {template}")
    if directive is None:
        raise BroadcastError("bad_template", template[:60])
    key = f"{directive.name}:{directive.language}" if directive.language else directive.name
    found = known.get(key)
    if found is None:
        return
    if not found.usable:
        raise BroadcastError("template_unusable", found.key)
    if len(directive.parameters) != len(found.params):
        raise BroadcastError("template_count", f"{found.key}: {len(found.params)}")


@dataclass
class Copy:
    """One person's copy: where it goes (their last written message), what it says, or why it is not sent."""

    contact: Contact
    to: Message
    text: str | None = None
    skipped: str | None = None


@dataclass
class Plan:
    copies: list[Copy] = field(default_factory=list)

    @property
    def sending(self) -> list[Copy]:
        return [c for c in self.copies if c.skipped is None]

    def by_channel(self) -> dict[str, int]:
        return dict(Counter(c.to.channel for c in self.sending))

    def skipped(self) -> dict[str, int]:
        counts = Counter(c.skipped for c in self.copies if c.skipped is not None)
        return {reason: counts[reason] for reason in SKIPS if counts[reason]}


async def plan(
    session: AsyncSession, draft: Draft, *, sender: Staff, now: datetime, viber_files: bool = False
) -> Plan:
    """Who gets what: one copy per person and per conversation (a group chat hears it once), in the channel
    they last wrote from within the period. `viber_files`: okno has public links for Viber to fetch the
    broadcast's files by (OKNO_HTTP__PUBLIC_URL); without, Viber clients are passed by."""
    written = (
        (col(Message.direction) == "inbound")
        & col(Message.channel).in_(draft.channels)
        & col(Message.kind).not_in(("call", "system", "reaction", "status"))
        & col(Message.author_contact_id).is_not(None)
        & (col(Message.sent_at) >= now - timedelta(days=draft.since_days))
    )
    # each writer's latest written message, found by the database: a year of an office's mail is not loaded
    # (a window, not a join on the latest time: PostgreSQL nested that join, seconds for a thousand clients)
    ranked = (
        select(
            col(Message.id).label("id"),
            col(Message.author_contact_id).label("writer"),
            func.row_number()
            .over(
                partition_by=col(Message.author_contact_id),
                order_by=(col(Message.sent_at).desc(), col(Message.id).desc()),
            )
            .label("n"),
        )
        .where(written)
        .subquery()
    )
    latest = (
        select(Message)
        .join(ranked, col(Message.id) == ranked.c.id)
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(ranked.c.n == 1)
        # a person erased on request (okno privacy forget): nothing of theirs is left to write to
        .where(~col(Conversation.conversation_key).startswith(FORGOTTEN_CHAT))
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
    )
    messages = (await session.execute(latest)).scalars().all()
    people = await _people(session, select(ranked.c.writer).where(ranked.c.n == 1))
    wanted = await _wanted(session, draft)
    seen_people: set[int] = set()
    seen_chats: set[int] = set()
    chosen: list[tuple[Contact, Contact, Message]] = []
    for message in messages:  # newest first: each person's latest written message wins
        if message.author_contact_id not in people:
            continue
        person, root = people[message.author_contact_id]
        if root.id in seen_people or message.conversation_id in seen_chats:
            continue
        if wanted is not None and not ({person.id, root.id} & wanted):
            continue
        seen_people.add(root.id or 0)
        seen_chats.add(message.conversation_id)
        chosen.append((person, root, message))
    clients = await _clients(session)
    managers = await _managers(session, clients.values())
    closed = await _unreachable(session, [m for _, _, m in chosen])
    out = Plan()
    for person, root, message in chosen:
        client = clients.get(root.id or 0) or clients.get(person.id or 0)
        copy = Copy(contact=root, to=message)
        copy.skipped = _skip(person, root, message, closed) or _no_files(draft, message, now, viber_files)
        if copy.skipped is None:
            values = {
                "name": root.display_name or person.display_name,
                "company": client.name if client is not None else None,
                "manager": managers.get(client.responsible_staff_id or 0, sender.name)
                if client
                else sender.name,
            }
            copy.text = _text(draft, message, values, now)
            if copy.text is None:
                copy.skipped = "whatsapp_window"
            elif unfilled(copy.text):
                copy.skipped, copy.text = "unfilled", None
        out.copies.append(copy)
    return out


def check_plan(draft: Draft, the_plan: Plan) -> None:
    """What only the recipients tell: a copy going by email needs a subject."""
    if draft.subject is None and any(c.to.channel == "email" for c in the_plan.sending):
        raise BroadcastError("no_subject")


def _skip(person: Contact, root: Contact, message: Message, closed: set[int]) -> str | None:
    if root.blocked_at is not None or person.blocked_at is not None:
        return "blocked"
    if root.broadcasts_off_at is not None or person.broadcasts_off_at is not None:
        return "opted_out"
    if message.id in closed:
        return "unreachable"
    return None


def _no_files(draft: Draft, message: Message, now: datetime, viber_files: bool) -> str | None:
    """Why this person cannot get the broadcast's files: Viber takes files only by a public link (none
    without okno's public address), and a WhatsApp template (outside the 24-hour window) carries none of
    ours. A copy without them would say «во вложении» over nothing."""
    if not draft.attachments:
        return None
    if message.channel == "viber" and not viber_files:
        return "viber_files"
    if message.channel == "whatsapp" and now - message.sent_at >= WHATSAPP_WINDOW:
        return "whatsapp_files"
    return None


def _text(draft: Draft, message: Message, values: dict[str, str | None], now: datetime) -> str | None:
    """The copy's text; on WhatsApp after the 24-hour window, the template (as the sender reads it), or None
    when there is none."""
    if message.channel == "whatsapp" and now - message.sent_at >= WHATSAPP_WINDOW:
        if draft.whatsapp_template is None:
            return None
        return "/template " + fill(draft.whatsapp_template, values)
    return fill(draft.text, values)


async def _people(session: AsyncSession, writers: Any) -> dict[int, tuple[Contact, Contact]]:
    """Each writer with the person they are now: the contact they were merged into, through a merge of a
    merge, or themselves. (`writers` is a query: an office's year can hold more ids than a query takes.)"""
    rows = (await session.execute(select(Contact).where(col(Contact.id).in_(writers)))).scalars().all()
    found = {row.id or 0: row for row in rows}
    ids = set(found)
    todo = {row.merged_into_id for row in rows if row.merged_into_id is not None} - set(found)
    while todo:  # merged contacts are few
        more = (await session.execute(select(Contact).where(col(Contact.id).in_(todo)))).scalars().all()
        found |= {row.id or 0: row for row in more}
        todo = {row.merged_into_id for row in more if row.merged_into_id is not None} - set(found)
    people: dict[int, tuple[Contact, Contact]] = {}
    for contact_id in ids:
        root = found[contact_id]
        while root.merged_into_id is not None and root.merged_into_id in found:
            root = found[root.merged_into_id]
        people[contact_id] = (found[contact_id], root)
    return people


async def _wanted(session: AsyncSession, draft: Draft) -> set[int] | None:
    """The contacts the audience is narrowed to — a group's clients' and those of the clients with the tag,
    both when both are chosen —, or None: everyone who wrote."""
    wanted = await _team_contacts(session, draft.team) if draft.team is not None else None
    if draft.tag is None:
        return wanted
    tagged = await contacts_with(session, key=draft.tag)
    return tagged if wanted is None else wanted & tagged


async def _team_contacts(session: AsyncSession, head_id: int) -> set[int]:
    """A group's clients: those their manager is responsible for, and those whose requests the group has."""
    team = await group_of(session, head_id)
    responsible = select(ClientContact.contact_id).join(
        Client, col(Client.id) == col(ClientContact.client_id)
    )
    responsible = responsible.where(col(Client.responsible_staff_id).in_(team))
    handled = select(Request.contact_id).where(in_group(team))
    found = set((await session.execute(responsible)).scalars().all())
    return found | set((await session.execute(handled)).scalars().all())


async def _clients(session: AsyncSession) -> dict[int, Client]:
    """Every contact's client company (a company's people are fewer than its messages)."""
    query = select(ClientContact.contact_id, Client).join(
        Client, col(Client.id) == col(ClientContact.client_id)
    )
    rows = await session.execute(query)
    return {int(contact_id): client for contact_id, client in rows.all()}


async def _managers(session: AsyncSession, clients: Any) -> dict[int, str]:
    ids = {c.responsible_staff_id for c in clients if c.responsible_staff_id is not None}
    rows = await session.execute(select(Staff.id, Staff.name).where(col(Staff.id).in_(ids)))
    return {int(staff_id): str(name) for staff_id, name in rows.all()}


async def _unreachable(session: AsyncSession, chosen: list[Message]) -> set[int]:
    """The messages whose writer okno can no longer reach there (a bot the client blocked, a number WhatsApp
    refuses): their ids."""
    query = select(ChannelIdentity).where(col(ChannelIdentity.reachable).is_(False))
    closed = {(i.channel, i.account, i.contact_id) for i in (await session.execute(query)).scalars()}
    return {m.id or 0 for m in chosen if (m.channel, m.account, m.author_contact_id) in closed}


def new_key() -> str:
    """The one-time key a preview hands its «Отправить» button."""
    return secrets.token_urlsafe(24)


async def send(
    db: Database,
    queue: JobQueue,
    draft: Draft,
    *,
    key: str,
    sender: Staff,
    now: datetime,
    viber_files: bool = False,
) -> tuple[int, bool]:
    """Stores the broadcast and queues `send_broadcast`, which writes the copies: thousands of them take
    longer than a page should wait. (broadcast id, False) when this key was sent already: nothing goes out
    twice. A scheduled one's job waits in the queue until `send_at` (the sweeper stands by should the queue
    lose it), and the recipients are chosen then. Raises BroadcastError (no_subject) before storing
    anything."""
    async with db.session() as session:
        existing = await _by_key(session, key)
        if existing is not None:
            return existing, False
        await check_tag(session, draft)
        at = draft.send_at or now
        check_plan(draft, await plan(session, draft, sender=sender, now=at, viber_files=viber_files))
        row = Broadcast(key=key, created_by_id=sender.id, created_at=now, **draft.columns())
        session.add(row)
        try:
            await session.commit()
        except IntegrityError:  # the same key pressed twice at once: the other press sends
            await session.rollback()
            return await _by_key(session, key) or 0, False
        broadcast_id = row.id or 0
    later = (draft.send_at - now).total_seconds() if draft.send_at is not None else None
    await enqueue_write(queue, broadcast_id, defer_s=later)
    return broadcast_id, True


async def enqueue_write(
    queue: JobQueue, broadcast_id: int, *, again: int = 0, defer_s: float | None = None, tag: str = ""
) -> bool:
    """Queues the broadcast's job (`defer_s`: to run then); `again` (the sweeper's) and `tag` (an edit's) make
    a new job id, as the queue may still hold the earlier job's."""
    job_id = f"{JOB}:{broadcast_id}" + (f":sweep{again}" if again else "") + (f":{tag}" if tag else "")
    try:
        return await queue.enqueue(JOB, broadcast_id, job_id=job_id, defer_s=defer_s)
    except Exception:
        log.warning("broadcast %s stored, enqueue failed; the sweeper writes it", broadcast_id, exc_info=True)
        return False


async def send_broadcast(ctx: dict[str, Any], broadcast_id: int) -> int:
    """The job: the broadcast's copies written, then their sends queued. Returns how many."""
    app = services(ctx)
    return await write_copies(
        app.db, app.queue, broadcast_id, now=app.clock(), tz=app.policy.tz, viber_files=app.links is not None
    )


async def write_copies(
    db: Database,
    queue: JobQueue,
    broadcast_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    viber_files: bool = False,
) -> int:
    """Every copy's message and Outbox row and every recipient row, in one transaction that claims the
    broadcast first (`written_at`): a second run — the sweeper's, a job retried — writes nothing, nor does one
    for a broadcast called off, or one that runs before its time. A repeating one stores its next occurrence
    in the same transaction (so once), in the company's time zone `tz`, and queues it for then."""
    async with db.session() as session:
        claimed = await session.execute(
            update(Broadcast)
            .where(
                col(Broadcast.id) == broadcast_id,
                _pending(),
                col(Broadcast.send_at).is_(None) | (col(Broadcast.send_at) <= now + EARLY),
            )
            .values(written_at=now)
        )
        row = await session.get(Broadcast, broadcast_id)
        if not claimed.rowcount or row is None:  # type: ignore[attr-defined]
            return 0
        sender = await session.get(Staff, row.created_by_id) if row.created_by_id is not None else None
        if sender is None:
            raise LookupError(f"broadcast {broadcast_id}: its sender is gone")
        draft = Draft(
            row.text,
            tuple(row.audience.get("channels", ())),
            int(row.audience.get("since_days", 1)),
            row.audience.get("team"),
            row.subject,
            row.whatsapp_template,
            row.send_at,
            tuple(AttachmentRef.model_validate(ref) for ref in row.attachments),
            row.repeat,
            row.audience.get("tag"),
        )
        following = _next_occurrence(row, row.repeat, now=now, tz=tz) if row.repeat else None
        if following is not None:
            session.add(following)
            await session.flush()
        the_plan = await plan(session, draft, sender=sender, now=now, viber_files=viber_files)
        sends: list[Outbox] = []
        for copy in the_plan.copies:
            message_id = None
            if copy.skipped is None and copy.text is not None:
                outbox = await write_outbound(
                    session,
                    copy.to,
                    request_id=None,
                    text=copy.text,
                    author=sender,
                    at=now,
                    reply_to_key=None,  # a notice of its own: email starts a new thread under its subject
                    thread_hints={"subject": draft.subject},
                    attachments=draft.attachments,
                )
                sends.append(outbox)
                message_id = outbox.message_id
            session.add(
                BroadcastRecipient(
                    broadcast_id=broadcast_id,
                    contact_id=copy.contact.id or 0,
                    channel=copy.to.channel,
                    message_id=message_id,
                    skipped=copy.skipped,
                )
            )
        await audit(
            session,
            actor_kind="staff",
            actor_id=sender.id,
            action="broadcast.send",
            entity="broadcast",
            entity_id=broadcast_id,
            details={
                "sent": len(sends),
                "skipped": the_plan.skipped(),
                **draft.audience(),
                "repeat": row.repeat,
                "next": following.id if following is not None else None,
            },
        )
        await session.commit()
    for outbox in sends:
        await enqueue_send(queue, outbox)
    if following is not None and following.send_at is not None:
        later = (following.send_at - now).total_seconds()
        await enqueue_write(queue, following.id or 0, defer_s=later)
    return len(sends)


def _next_occurrence(row: Broadcast, rule: str, *, now: datetime, tz: ZoneInfo) -> Broadcast:
    """A repeating broadcast's next occurrence: the same notice, files and audience (its recipients chosen
    when it goes), a week or a month on at the same wall-clock time in the company's zone (a month end kept:
    31 Jan, 28 Feb, 31 Mar); a job run late steps on to the first time still ahead, not to a past one."""
    at, rule = first_due_after(row.send_at or now, rule, tz, now)
    return Broadcast(
        key=new_key(),
        text=row.text,
        subject=row.subject,
        whatsapp_template=row.whatsapp_template,
        audience=dict(row.audience),
        created_by_id=row.created_by_id,
        created_at=now,
        send_at=at,
        attachments=list(row.attachments),
        repeat=rule,
        previous_id=row.id,
    )


async def unwritten(session: AsyncSession, *, older_than: datetime) -> list[int]:
    """Broadcasts due but not written since `older_than` (stored then, or scheduled for then): their job was
    lost (the sweeper queues it)."""
    query = select(Broadcast.id).where(
        _pending(), func.coalesce(Broadcast.send_at, Broadcast.created_at) < older_than
    )
    return [int(i) for i in (await session.execute(query)).scalars().all()]


def _pending() -> ColumnElement[bool]:
    """Its copies not written, and not called off: it may still go."""
    return col(Broadcast.written_at).is_(None) & col(Broadcast.cancelled_at).is_(None)


async def cancel(db: Database, broadcast_id: int, *, staff: Staff, now: datetime) -> bool:
    """Calls off a broadcast whose copies are not written yet (a scheduled one, or one still queued); False
    when it has gone already or was called off before. A repeating one's chain ends with it: only a written
    occurrence leaves a next one."""
    values: dict[str, Any] = {"cancelled_at": now, "cancelled_by_id": staff.id}
    return await _while_pending(db, broadcast_id, staff=staff, action="broadcast.cancel", values=values)


async def stop_repeat(db: Database, broadcast_id: int, *, staff: Staff) -> bool:
    """«Больше не повторять»: a repeating broadcast not written yet goes this once more and leaves no next
    occurrence; False when it has gone, was called off, or does not repeat."""
    repeating = col(Broadcast.repeat).is_not(None)
    values: dict[str, Any] = {"repeat": None}
    return await _while_pending(
        db, broadcast_id, repeating, staff=staff, action="broadcast.stop_repeat", values=values
    )


async def revise(
    db: Database,
    queue: JobQueue,
    broadcast_id: int,
    draft: Draft,
    *,
    key: str,
    staff: Staff,
    now: datetime,
    viber_files: bool = False,
) -> bool:
    """«Изменить» a broadcast whose copies are not written yet (a scheduled one, a repeating one's next
    occurrence, whose changes the later ones then carry): its notice, files, audience, time and repeat are
    replaced by one conditional UPDATE, so the job writes the old one or the new one, never a mix, and it is
    queued again for its time (the old job, run before that, finds it not due and writes nothing). The
    preview's key goes on the row, so a second press changes nothing more. False when it went or was called
    off meanwhile. Raises BroadcastError (no_subject) as `send` does."""
    async with db.session() as session:
        if await _by_key(session, key) == broadcast_id:
            return True
        row = await session.get(Broadcast, broadcast_id)
        if row is None:
            return False
        author = await session.get(Staff, row.created_by_id) if row.created_by_id is not None else None
        await check_tag(session, draft)
        the_plan = await plan(
            session, draft, sender=author or staff, now=draft.send_at or now, viber_files=viber_files
        )
        check_plan(draft, the_plan)
        values = draft.columns()
        # a month end's real day stays while the rule and the time do (31 Jan's occurrence on 28 Feb)
        same = (row.repeat or "").split(";")[0] == draft.repeat and row.send_at == draft.send_at
        if draft.repeat and same:
            values["repeat"] = row.repeat
        changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not await _while_pending(
        db,
        broadcast_id,
        staff=staff,
        action="broadcast.edit",
        values={**values, "key": key},
        details={"changed": changed},
    ):
        return False
    later = (draft.send_at - now).total_seconds() if draft.send_at is not None else None
    await enqueue_write(queue, broadcast_id, defer_s=later, tag=key[:16])
    return True


async def _while_pending(
    db: Database,
    broadcast_id: int,
    *also: ColumnElement[bool],
    staff: Staff,
    action: str,
    values: dict[str, Any],
    details: dict[str, Any] | None = None,
) -> bool:
    """A member's change to a broadcast whose copies are not written yet, audited: a conditional UPDATE, so
    it and the job's claim cannot both win. False when it came too late."""
    async with db.session() as session:
        done = await session.execute(
            update(Broadcast).where(col(Broadcast.id) == broadcast_id, _pending(), *also).values(**values)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            return False
        await audit(
            session,
            actor_kind="staff",
            actor_id=staff.id,
            action=action,
            entity="broadcast",
            entity_id=broadcast_id,
            details=details,
        )
        await session.commit()
    return True


async def _by_key(session: AsyncSession, key: str) -> int | None:
    return (await session.execute(select(Broadcast.id).where(col(Broadcast.key) == key))).scalars().first()


STOPPED = {
    "ru": "Вы отписались от рассылок. На ваши обращения будем отвечать, как прежде.",
    "en": "You will get no more broadcasts. We will answer your requests as before.",
}


async def confirm_broadcast_stop(ctx: dict[str, Any], message_id: int) -> str:
    """The follow-up of a client's «СТОП» to a broadcast: one answer, in their chat, that they are off the
    list (in the company's language); once, however often the job runs."""
    app = services(ctx)
    key = f"okno-stop:{message_id}"
    async with app.db.session() as session:
        stop = await session.get(Message, message_id)
        if stop is None:
            return "gone"
        if (await session.execute(select(Message.id).where(col(Message.message_key) == key))).first():
            return "sent already"
        text = STOPPED.get(app.policy.language, STOPPED["ru"])
        outbox = await write_outbound(
            session,
            stop,
            request_id=None,
            text=text,
            author=None,
            at=app.clock(),
            reply_to_key=stop.message_key,
            thread_hints={"subject": stop.subject},
            key=key,
        )
        await session.commit()
    await enqueue_send(app.queue, outbox)
    return "sent"
