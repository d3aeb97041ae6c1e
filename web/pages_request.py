"""One request: the client's timeline across channels, the editable form, the reply box, alerts, files."""

from __future__ import annotations

import hashlib
import mimetypes
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.email.parse import without_subject
from intake.request_form import is_valid_inn
from intake.request_link import client_for
from intake.sla import client_wait_due
from storage.alert_labels import CATEGORY_LABELS
from storage.models import Alert, Attachment, Call, Contact, Message, Request, Staff, TranscriptSegment
from storage.models.requests import REQUEST_STATUSES
from storage.repos.alerts import confirm_conflict, dismiss_conflict
from storage.repos.audit import audit
from storage.repos.blocking import block_contact
from storage.repos.broadcasts import set_broadcasts_off
from storage.repos.calls import call_transcript
from storage.repos.clients import survivor_of
from storage.repos.company_settings import client_notices, sla_settings
from storage.repos.notes import notes_of
from storage.repos.requests import (
    TRANSITIONS,
    RequestTransitionError,
    change_status,
    set_field,
    wait_for_client,
)
from storage.types import utcnow
from web import reply_files
from web.api import QUEUE
from web.email_quotes import split_quoted
from web.file_response import file_response
from web.local_time import due_from_date, local_date
from web.queries import alerts_of, client_label, may_see, sla_state, timeline
from web.reply_window import reply_window, template_text
from web.request_history import request_history
from web.safe_html import clean_email_html
from web.ui import (
    audit_mine,
    company_tz,
    flash,
    lang,
    me,
    my_tz,
    redirect,
    render,
    require_role,
    row_or_404,
    state,
)
from workers.outbound import NothingToReplyTo, queue_reply
from workers.saved_replies import SavedReplyError, offered, reply_text

HTML_LIMIT = 512 * 1024


async def _load(session: AsyncSession, request: web.Request) -> Request:
    raw = request.match_info["id"]
    row = await session.get(Request, int(raw)) if raw.isdigit() else None
    # A request the staff member may not see is "not found": its existence is not disclosed.
    if row is None or not may_see(me(request), row):
        raise web.HTTPNotFound(text="not found")
    return row


async def conversation(request: web.Request) -> web.Response:
    return await _page(request)


async def _page(request: web.Request, *, draft: str = "", status: int = 200) -> web.Response:
    """The request's page; `draft` is a reply that was not sent, back in its box to be mended."""
    blobs = state(request).services.jobs.blobs
    async with state(request).services.db.session() as session:
        row = await _load(session, request)
        items = await timeline(session, row)
        for item in items:
            for attachment in item.attachments:
                key, size = attachment.blob_sha256, attachment.size or 0
                if attachment.mime == "text/html" and key and size <= HTML_LIMIT and await blobs.exists(key):
                    html = (await blobs.get(key)).decode("utf-8", "replace")
                    item.html_parts.append(clean_email_html(html))
            message = item.message
            if message.channel == "email" and message.text:
                item.text, item.quoted = split_quoted(without_subject(message.text, message.subject))
        notes = await notes_of(session, request_id=row.id or 0)
        window = await reply_window(session, row.id or 0)
        alerts = await alerts_of(session, client_id=row.client_id, request_id=row.id or 0)
        alerted = await _alerted(session, [i.message.id or 0 for i in items])
        markable, _alerted_turns = await _call_turns(session, [s for i in items for s in i.segments])
        active = select(Staff).where(col(Staff.active).is_(True)).order_by(col(Staff.name), col(Staff.id))
        staff = (await session.execute(active)).scalars().all()
        label = await client_label(session, row)
        wait_due = client_wait_due(row, await sla_settings(session), company_tz(request))
        low_score = (await client_notices(session)).low_score
        history = await request_history(session, row.id or 0, lang=lang(request), tz=my_tz(request))
        saved = await offered(session, request=row, staff=me(request))
        contact = await survivor_of(session, contact_id=row.contact_id)
    # Notes join the timeline by time, drawn apart from messages: staff-only, never sent.
    entries: list[tuple[str, Any]] = sorted(
        [("message", i) for i in items] + [("note", n) for n in notes],
        key=lambda e: e[1].message.sent_at if e[0] == "message" else e[1].created_at,
    )
    return render(
        request,
        "conversation.html",
        status=status,
        req=row,
        client=label,
        items=items,
        entries=entries,
        notes=notes,
        window=window,
        alerts=alerts,
        alerted=alerted,  # messages with a conflict alert: no "missed conflict" mark on them
        markable=markable,  # the calls' client turns the check judged and let pass
        staff=staff,
        staff_by_id={s.id: s.name for s in staff},
        statuses=[row.status, *TRANSITIONS.get(row.status, ())],
        all_statuses=REQUEST_STATUSES,
        sla=sla_state(row, utcnow()),
        wait_due=wait_due,  # waiting for the client: when its assignee is told the client is silent
        low_score=low_score,  # the client's rating this low or lower is shown as a warning
        history=history,  # who opened, assigned, changed and closed it, when
        form_version=form_version(row),
        # queue_reply answers in the channel of the request's own last inbound message
        reply_channel=window.channel,
        saved=saved,  # the saved replies, filled in for this request
        contact=contact,  # blocked as spam, or not
        draft=draft,
        max_files=reply_files.MAX_FILES,
        max_file_mb=reply_files.MAX_FILE_BYTES // (1024 * 1024),
    )


async def _alerted(session: AsyncSession, message_ids: list[int]) -> set[int | None]:
    """The timeline's messages with a conflict alert (the page lists only the request's and the client's)."""
    query = select(Alert.source_message_id).where(
        col(Alert.kind) == "conflict", col(Alert.source_message_id).in_(message_ids)
    )
    return set((await session.execute(query)).scalars().all())


async def _call_turns(session: AsyncSession, segments: list[TranscriptSegment]) -> tuple[set[int], set[int]]:
    """(the client turns of these calls that the conflict check judged and let pass; the turns with a conflict
    alert). The check reads every client turn of a call (workers/analyze.analyze_call)."""
    ids = [s.id for s in segments if s.id is not None]
    query = select(Alert.source_segment_id).where(
        col(Alert.kind) == "conflict", col(Alert.source_segment_id).in_(ids)
    )
    alerted = {turn for turn in (await session.execute(query)).scalars() if turn is not None}
    markable = {
        segment.id
        for segment in segments
        if segment.id is not None
        and segment.id not in alerted
        and segment.speaker == "client"
        and segment.text.strip()
    }
    return markable, alerted


def form_version(row: Request) -> str:
    """What the form showed, in a few characters: a save made from a form another person (or intake, or the
    assistant) has changed since is refused rather than silently undoing their change."""
    shown = [row.company_name, row.inn, row.what, row.due_at, row.status, row.assignee_id, row.waiting_until]
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


async def save_form(request: web.Request) -> web.Response:
    form = await request.post()
    staff = me(request)
    now = utcnow()
    tz = my_tz(request)  # the dates the member picked are their days
    async with state(request).services.db.session() as session:
        row = await _load(session, request)
        sent = str(form.get("version", ""))
        if sent and sent != form_version(row):  # no version: an older page or a script, saved as before
            flash(request, "conv.changed_meanwhile")
            raise redirect(f"/ui/requests/{row.id}")
        changed: dict[str, Any] = {}
        inn = "".join(str(form.get("inn", "")).split())
        if inn and inn != row.inn and not is_valid_inn(inn):
            flash(request, "conv.bad_inn")
            raise redirect(f"/ui/requests/{row.id}")
        for name in ("company_name", "inn", "what"):
            value = (inn if name == "inn" else str(form.get(name, "")).strip()) or None
            if value != getattr(row, name) and set_field(
                row, field=name, value=value, source="manager", at=now
            ):
                changed[name] = value
        try:
            due = due_from_date(str(form.get("due_at", "")).strip(), tz)
        except ValueError:
            flash(request, "conv.bad_due")
            raise redirect(f"/ui/requests/{row.id}") from None
        # the date the form showed, in the member's zone: an unchanged date keeps the parser's time of day
        if local_date(due, tz) != local_date(row.due_at, tz) and set_field(
            row, field="due_at", value=due, source="manager", at=now
        ):
            changed["due_at"] = due.isoformat() if due else None
        if changed.get("inn"):
            # the INN names the client: the request and its contact join it (a new client if none has it),
            # so a letter or a call intake could not place joins the client's history
            contact = await session.get(Contact, row.contact_id)
            assert contact is not None
            client = await client_for(session, contact, inn=row.inn, company=row.company_name)
            if client.id != row.client_id:
                row.client_id = changed["client_id"] = client.id
        assignee = str(form.get("assignee_id", ""))
        new_assignee = int(assignee) if assignee.isdigit() else None
        if new_assignee != row.assignee_id and _may_assign(staff, new_assignee):
            changed["assignee_id"] = new_assignee
            row.assignee_id = new_assignee
        if changed:
            await audit(
                session,
                actor_kind="staff",
                actor_id=staff.id,
                action="request.form",
                entity="request",
                entity_id=row.id,
                details=dict(changed),
            )
        status, wait_raw = str(form.get("status", row.status)), str(form.get("waiting_until", "")).strip()
        notice = await _save_status(session, row, status, wait_raw, staff=staff, now=now, tz=tz)
        await session.commit()
    flash(request, notice)
    raise redirect(f"/ui/requests/{row.id}")


async def _save_status(
    session: AsyncSession,
    row: Request,
    status: str,
    wait_raw: str,
    *,
    staff: Staff,
    now: datetime,
    tz: ZoneInfo,
) -> str:
    """The form's status, and with "waiting for the client" the date the client was given (a bad or past date
    changes no status: the rest of the form is saved)."""
    try:
        until = due_from_date(wait_raw, tz)
    except ValueError:
        return "conv.bad_wait"
    try:
        if status == "waiting_client":
            if (
                until is not None
                and until <= now
                and local_date(until, tz) != local_date(row.waiting_until, tz)
            ):
                return "conv.wait_past"
            if row.status != status or local_date(until, tz) != local_date(row.waiting_until, tz):
                await wait_for_client(session, request=row, at=now, staff_id=staff.id, until=until)
        elif status != row.status:
            await change_status(session, request=row, status=status, at=now, staff_id=staff.id)
    except RequestTransitionError:
        return "conv.bad_status"
    return "conv.saved"


def _may_assign(staff: Staff, assignee_id: int | None) -> bool:
    """A manager may take a request or hand it back; supervisors and admins assign anyone."""
    return staff.role != "manager" or assignee_id in (None, staff.id)


async def reply(request: web.Request) -> web.Response:
    form = await request.post()
    body = str(form.get("text", "")).strip()
    template = str(form.get("template", "")).strip()
    try:  # too many, empty or too large files: nothing sent, the text back in its box
        files = reply_files.read(form) if not template else []
    except reply_files.Refused as exc:
        flash(request, exc.key, **exc.values)
        return await _page(request, draft=body, status=422)
    refused: SavedReplyError | None = None
    async with state(request).services.db.session() as session:
        row = await _load(session, request)
        if template:  # the WhatsApp window is closed: an approved template instead of free text
            window = await reply_window(session, row.id or 0)
            if template not in window.templates:
                flash(request, "conv.bad_template")
                raise redirect(f"/ui/requests/{row.id}#reply")
            chosen = window.known(template)
            if chosen is None:  # a typed name: Meta alone knows its parameters
                body = template_text(template, str(form.get("template_params", "")))
            else:  # one input per parameter; a wrong count would fail at Meta (132000), so nothing goes
                values = [str(v).strip() for v in form.getall("param", [])]
                given = [v for v in values if v]
                if len(given) != len(chosen.params) or len(values) != len(given):
                    flash(
                        request,
                        "conv.template_count",
                        name=chosen.name,
                        expected=str(len(chosen.params)),
                        given=str(len(given)),
                    )
                    raise redirect(f"/ui/requests/{row.id}#template-form")
                body = "/template " + chosen.directive(given)
        elif body:
            try:  # «/реквизиты» is the saved reply of that code, filled in for this request
                body = await reply_text(session, body, request=row, staff=me(request))
            except SavedReplyError as exc:
                refused = exc
    if refused is not None:  # nothing sent: the page again, the text back in its box to be mended
        flash(request, f"replies.{refused.reason}", value=refused.value)
        return await _page(request, draft=body, status=422)
    if not body and not files:
        flash(request, "conv.empty_reply")
        raise redirect(f"/ui/requests/{row.id}")
    db = state(request).services.db
    try:
        await queue_reply(
            db,
            request.config_dict[QUEUE],
            request_id=row.id or 0,
            staff_id=me(request).id or 0,
            text=body[:4000],
            attachments=await reply_files.store(state(request).services.jobs.blobs, files),
        )
    except NothingToReplyTo:
        raise web.HTTPNotFound(text="nothing to reply to") from None
    notice = "conv.sent"
    if form.get("then") == "wait":  # "пришлите акты" and the request waits for them
        async with db.session() as session:
            row = await _load(session, request)
            try:
                await wait_for_client(session, request=row, at=utcnow(), staff_id=me(request).id, until=None)
                await session.commit()
                notice = "conv.sent_waiting"
            except RequestTransitionError:
                notice = "conv.sent_not_waiting"
    flash(request, notice)
    raise redirect(f"/ui/requests/{row.id}#reply")


async def block_spam(request: web.Request) -> web.Response:
    """«Спам»: the request's contact is blocked and their open requests cancelled; what they send later is
    stored but opens nothing (storage/repos/blocking.py)."""
    async with state(request).services.db.session() as session:
        row = await _load(session, request)
        await block_contact(session, contact_id=row.contact_id, staff_id=me(request).id, at=utcnow())
        await session.commit()
    flash(request, "spam.blocked")
    raise redirect(f"/ui/requests/{row.id}")


async def broadcasts_optout(request: web.Request) -> web.Response:
    """«Не присылать рассылки», when the client asks (and back): any member who sees the request."""
    off = (await request.post()).get("off") == "1"
    async with state(request).services.db.session() as session:
        row = await _load(session, request)
        await set_broadcasts_off(
            session, contact_id=row.contact_id, off=off, staff_id=me(request).id, at=utcnow()
        )
        await session.commit()
    flash(request, "broadcasts.turned_off" if off else "broadcasts.turned_on")
    raise redirect(f"/ui/requests/{row.id}#spam")


async def _alert(session: AsyncSession, request: web.Request) -> Alert:
    raw = request.match_info["id"]
    alert = await row_or_404(session, Alert, raw)
    if alert.request_id is not None:
        target = await session.get(Request, alert.request_id)
        if target is None or not may_see(me(request), target):
            raise web.HTTPNotFound(text="not found")
    return alert


def _back(request: web.Request) -> web.HTTPException:
    back = request.headers.get("Referer", "")
    return redirect(back if back.startswith(str(request.url.origin()) + "/ui/") else "/ui/dashboard")


async def ack_alert(request: web.Request) -> web.Response:
    require_role(request, "manager", "supervisor", "admin")
    async with state(request).services.db.session() as session:
        alert = await _alert(session, request)
        if alert.status == "new":
            alert.status, alert.acked_by_id, alert.acked_at = "acked", me(request).id, utcnow()
            await audit_mine(session, request, "alert.ack", entity="alert", entity_id=alert.id)
            await session.commit()
    raise _back(request)


async def alert_verdict(request: web.Request) -> web.Response:
    """A staff member's verdict on a conflict alert: not a conflict (dismissed), or a conflict of this kind.
    Stored as the alert's feedback (`okno alerts feedback` writes them as a labelled file for `okno eval`);
    a corrected kind replaces the model's, which stays in the alert's details."""
    require_role(request, "manager", "supervisor", "admin")
    form = await request.post()
    verdict, category = str(form.get("conflict", "")), str(form.get("category", ""))
    if verdict not in ("yes", "no") or (verdict == "yes" and category not in CATEGORY_LABELS):
        raise web.HTTPBadRequest(text="conflict must be yes (with a known category) or no")
    async with state(request).services.db.session() as session:
        alert = await _alert(session, request)
        if alert.kind != "conflict":
            raise web.HTTPBadRequest(text="only a conflict alert takes a verdict")
        if verdict == "no":
            dismiss_conflict(alert, staff_id=me(request).id, now=utcnow())
            await _audit_alert(session, request, alert, "alert.dismiss", {"conflict": False})
        else:
            await _confirm(session, request, alert, category)
        await session.commit()
    flash(request, "conv.verdict_saved")
    raise _back(request)


async def _confirm(session: AsyncSession, request: web.Request, alert: Alert, category: str) -> None:
    """A conflict of this kind (storage.repos.alerts.confirm_conflict), audited."""
    confirm_conflict(alert, category, staff_id=me(request).id, now=utcnow())
    await _audit_alert(session, request, alert, "alert.confirm", {"conflict": True, "category": category})


async def _audit_alert(
    session: AsyncSession, request: web.Request, alert: Alert, action: str, details: dict[str, Any]
) -> None:
    details = {**details, "via": "web"}  # a verdict comes from the web or the staff bot
    await audit_mine(session, request, action, entity="alert", entity_id=alert.id, details=details)


async def mark_conflict(request: web.Request) -> web.Response:
    """A conflict the assistant let pass, marked by a staff member on the client's message, or on a client
    turn of a call (`segment`): an alert already judged (acknowledged by them, feedback true, no notice
    sent), so the request shows it and `okno alerts feedback` counts it as a conflict the model missed."""
    require_role(request, "manager", "supervisor", "admin")
    form = await request.post()
    category, turn = str(form.get("category", "")), str(form.get("segment", ""))
    if category not in CATEGORY_LABELS:
        raise web.HTTPBadRequest(text="category must be one of the conflict kinds")
    if turn and not turn.isdigit():
        raise web.HTTPBadRequest(text="segment must be a transcript segment id")
    raw = request.match_info["id"]
    async with state(request).services.db.session() as session:
        message = await session.get(Message, int(raw)) if raw.isdigit() else None
        target = await session.get(Request, message.request_id) if message and message.request_id else None
        if message is None or target is None or not may_see(me(request), target):
            raise web.HTTPNotFound(text="not found")
        if message.direction != "inbound" or not message.text:
            raise web.HTTPBadRequest(text="only a client's text message can be marked")
        segment = await _judged_turn(session, message, int(turn)) if turn else None
        if segment is None and (await call_transcript(session, message_id=message.id or 0))[1]:
            raise web.HTTPBadRequest(text="a call is marked on its client turn (segment)")
        found = select(Alert).where(col(Alert.kind) == "conflict", col(Alert.source_message_id) == message.id)
        if turn:  # a call's other turn may hold an alert of its own
            found = found.where(col(Alert.source_segment_id) == int(turn))
        existing = (await session.execute(found)).scalars().first()
        if existing is not None:  # shown elsewhere (another request of the client): a conflict of this kind
            await _confirm(session, request, existing, category)
        else:
            alert = Alert(
                kind="conflict",
                category=category,
                source_message_id=message.id,
                source_segment_id=segment.id if segment else None,
                client_id=target.client_id,
                request_id=target.id,
                status="acked",
                acked_by_id=me(request).id,
                acked_at=utcnow(),
                feedback=True,
                details={"marked_by_staff": True},
            )
            session.add(alert)
            await session.flush()
            details = {"category": category, "message_id": message.id}
            if segment is not None:
                details["segment_id"] = segment.id
            await _audit_alert(session, request, alert, "alert.mark", details)
        await session.commit()
    flash(request, "conv.verdict_saved")
    raise _back(request)


async def _judged_turn(session: AsyncSession, message: Message, segment_id: int) -> TranscriptSegment:
    """A client turn of this call the check judged (or alerted): a turn it never read is no miss."""
    _call, segments = await call_transcript(session, message_id=message.id or 0)
    segment = next((s for s in segments if s.id == segment_id), None)
    if segment is None:
        raise web.HTTPBadRequest(text="segment is not a turn of this call")
    markable, alerted = await _call_turns(session, list(segments))
    if segment.id not in markable | alerted:
        raise web.HTTPBadRequest(text="only a client turn the check read can be marked")
    return segment


# What the PBXs record in, by the file's first bytes: the stored blob has no name or type of its own.
_AUDIO_MAGIC = (
    (b"RIFF", "audio/wav"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
)


async def _message_blob(
    session: AsyncSession, request: web.Request, message_id: int, key: str | None
) -> bytes:
    """A stored file of a message, if the reader may see the message's request and the file is still kept
    (a retention run may have erased it); else 404."""
    message = await session.get(Message, message_id)
    target = await session.get(Request, message.request_id) if message and message.request_id else None
    if key is None or (target is not None and not may_see(me(request), target)):
        raise web.HTTPNotFound(text="not found")
    blobs = state(request).services.jobs.blobs
    if not await blobs.exists(key):
        raise web.HTTPNotFound(text="not found")
    return await blobs.get(key)


async def call_recording(request: web.Request) -> web.StreamResponse:
    """A call's recording, for the timeline's player (the transcript was made from the same file)."""
    raw = request.match_info["id"]
    async with state(request).services.db.session() as session:
        call = await row_or_404(session, Call, raw)
        data = await _message_blob(session, request, call.message_id, call.recording_sha256)
    mime = next((kind for magic, kind in _AUDIO_MAGIC if data.startswith(magic)), "application/octet-stream")
    return file_response(data, mime, name=f"call-{call.id}", inline=True)


async def attachment_file(request: web.Request) -> web.StreamResponse:
    raw = request.match_info["id"]
    async with state(request).services.db.session() as session:
        attachment = await row_or_404(session, Attachment, raw)
        data = await _message_blob(session, request, attachment.message_id, attachment.blob_sha256)
    mime = attachment.mime or mimetypes.guess_type(attachment.filename or "")[0] or "application/octet-stream"
    inline = mime in (
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
    )
    name = (attachment.filename or f"file-{attachment.id}").replace('"', "")
    return file_response(data, mime if inline else "application/octet-stream", name=name, inline=inline)
