"""Broadcasts («Рассылки»): a supervisor or admin writes one notice to the clients who wrote lately (or to one
group's, or to those with a tag), sees who will get it in which channel and who will not and why, then sends
it; each broadcast's page follows its copies to delivered, read or failed (workers/broadcasts.py). A scheduled
one may repeat every week or month; each occurrence's page links the one before and the one after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import col, select

from channels.whatsapp.templates import Template, known
from intake.schema import AttachmentRef
from storage.blobs import BlobStore
from storage.models import Broadcast, BroadcastRecipient, Client, ClientContact, Contact, Message, Outbox
from storage.repos.client_tags import label_of, tag_counts
from storage.repos.org_chart import heads_with_groups
from storage.types import utcnow
from web import reply_files
from web.api import QUEUE
from web.queries import staff_names
from web.ui import flash, lang, me, my_tz, redirect, render, require_role, row_or_404, state
from workers.broadcasts import (
    CHANNELS,
    REPEATS,
    BroadcastError,
    Draft,
    cancel,
    check_draft,
    check_plan,
    check_tag,
    new_key,
    plan,
    revise,
    send,
    stop_repeat,
)
from workers.saved_replies import PLACEHOLDERS
from workers.whatsapp_templates import synced_templates

EDITORS = ("supervisor", "admin")
SAMPLES = 5
SHOWN = 2000  # recipients listed on a broadcast's page; the counts above them cover all


def _form_values(form: Any) -> dict[str, Any]:
    team = str(form.get("team", "") or "")
    edit_of = str(form.get("edit_of", "") or "")
    return {
        "text": str(form.get("text", "")),
        "subject": str(form.get("subject", "")),
        "whatsapp_template": str(form.get("whatsapp_template", "")),
        "whatsapp_template_pick": str(form.get("whatsapp_template_pick", "")),
        "channels": [str(c) for c in form.getall("channels", [])],
        "since_days": str(form.get("since_days", "")),
        "team": team,
        "tag": str(form.get("tag", "") or ""),  # a client tag's key: only the clients with it
        "send_at": str(form.get("send_at", "") or "").strip(),
        "repeat": str(form.get("repeat", "") or ""),
        # «Изменить» on a broadcast still to go: its id, carried through the preview to the saving
        "edit_of": edit_of if edit_of.isdigit() and len(edit_of) < 10 else "",
        # files uploaded with an earlier step (the preview, «Изменить»): their references, kept as JSON
        "attachments": [str(a) for a in form.getall("attachment", []) if isinstance(a, str)],
    }


async def _draft(request: web.Request, values: dict[str, Any]) -> Draft:
    team = values["team"]
    async with state(request).services.db.session() as session:
        synced = known(await synced_templates(session))
    return check_draft(
        text=values["text"],
        channels=values["channels"],
        since_days=values["since_days"],
        team=int(team) if team.isdigit() and len(team) < 10 else None,  # a head's id, else everyone
        subject=values["subject"],
        whatsapp_template=_template(values, synced),
        send_at=_send_at(values["send_at"], request),
        now=utcnow(),
        attachments=await _kept(values["attachments"], state(request).services.jobs.blobs),
        known_templates=synced,
        repeat=values["repeat"],
        tag=values["tag"],
    )


def _template(values: dict[str, Any], synced: dict[str, Template]) -> str:
    """The template as the sender reads it: a synced one picked from the list takes the free field as its
    parameters (named ones get their names); otherwise the free field is the whole `name:lang | …`."""
    pick, typed = values["whatsapp_template_pick"], values["whatsapp_template"]
    if not pick:
        return str(typed)
    chosen = synced.get(pick)
    if chosen is None:
        raise BroadcastError("bad_template", pick[:60])
    return chosen.directive([p.strip() for p in str(typed).split("|") if p.strip()])


def _send_at(raw: str, request: web.Request) -> datetime | None:
    """The form's «Отправить позже» (YYYY-MM-DDTHH:MM, the member's own time), in UTC."""
    if not raw:
        return None
    try:
        moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise BroadcastError("bad_when", raw[:20]) from None
    return moment.replace(tzinfo=my_tz(request)).astimezone(UTC)


async def _kept(raw: list[str], blobs: BlobStore) -> tuple[AttachmentRef, ...]:
    """The files an earlier step stored, read back from the form: each must be a file okno holds, within the
    reply's limits (the form is the member's to edit, so it is checked like an upload)."""
    if len(raw) > reply_files.MAX_FILES:
        raise BroadcastError("files_too_many", str(reply_files.MAX_FILES))
    refs = []
    for item in raw:
        try:
            ref = AttachmentRef.model_validate_json(item)
        except ValidationError:
            raise BroadcastError("bad_file", item[:60]) from None
        key = ref.blob_key or ""
        if not 0 < (ref.size or 0) <= reply_files.MAX_FILE_BYTES or not await _held(blobs, key):
            raise BroadcastError("bad_file", ref.filename or "")
        # what the preview stored, and nothing the form may have added (a `url` Viber would be sent instead)
        name, mime = reply_files.safe_name(ref.filename or "file"), ref.mime or "application/octet-stream"
        refs.append(
            AttachmentRef(
                kind=reply_files.kind_of(mime), filename=name, mime=mime, size=ref.size, blob_key=key
            )
        )
    return tuple(refs)


async def _held(blobs: BlobStore, key: str) -> bool:
    try:
        return await blobs.exists(key)
    except ValueError:  # not a sha256 key
        return False


async def _with_uploads(request: web.Request, form: Any, values: dict[str, Any]) -> None:
    """The files picked in this step, stored and added to the kept ones (Refused over the limits)."""
    files = reply_files.read(form)
    if len(files) + len(values["attachments"]) > reply_files.MAX_FILES:
        raise reply_files.Refused("conv.files_too_many", {"most": str(reply_files.MAX_FILES)})
    refs = await reply_files.store(state(request).services.jobs.blobs, files)
    values["attachments"] += [ref.model_dump_json(exclude_none=True) for ref in refs]


def _files(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The kept files as the templates list them: the JSON the form carries, its name and size."""
    out = []
    for raw in values["attachments"]:
        try:
            ref = json.loads(raw)
        except ValueError:
            continue
        if isinstance(ref, dict):
            out.append({"raw": raw, "name": str(ref.get("filename") or "file"), "size": ref.get("size") or 0})
    return out


async def _page(
    request: web.Request, values: dict[str, Any] | None = None, status: int = 200
) -> web.Response:
    async with state(request).services.db.session() as session:
        rows = (
            (await session.execute(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(50)))
            .scalars()
            .all()
        )
        counts = await _counts(session, [row.id or 0 for row in rows])
        following = await _following(session, [row.id or 0 for row in rows])
        names = await staff_names(session)
        heads = await heads_with_groups(session)
        templates = [t for t in await synced_templates(session) if t.usable]
        tags = await tag_counts(session)
    return render(
        request,
        "broadcasts.html",
        wa_templates=templates,
        status=status,
        rows=rows,
        counts=counts,
        following=following,
        names=names,
        heads=heads,
        tags=tags,
        channels=CHANNELS,
        repeats=("", *REPEATS),
        form=values
        or {
            "text": "",
            "subject": "",
            "whatsapp_template": "",
            "whatsapp_template_pick": "",
            "channels": list(CHANNELS),
            "since_days": "365",
            "team": "",
            "tag": "",
            "send_at": "",
            "repeat": "",
            "edit_of": "",
            "attachments": [],
        },
        placeholders=[
            name
            for name, key in PLACEHOLDERS.items()
            if key != "number" and name.isascii() == (lang(request) == "en")
        ],
        files=_files(values) if values else [],
        max_files=reply_files.MAX_FILES,
        max_file_mb=reply_files.MAX_FILE_BYTES // (1024 * 1024),
    )


async def broadcasts_page(request: web.Request) -> web.Response:
    require_role(request, *EDITORS)
    return await _page(request)


async def broadcast_preview(request: web.Request) -> web.Response:
    """Who would get it, in which channel, with a few copies as they will read; «Отправить» sends it."""
    require_role(request, *EDITORS)
    form = await request.post()
    values = _form_values(form)
    try:
        await _with_uploads(request, form, values)
        draft = await _draft(request, values)
    except reply_files.Refused as exc:
        flash(request, exc.key, **exc.values)
        return await _page(request, values, status=422)
    except BroadcastError as exc:
        flash(request, f"broadcasts.{exc.reason}", value=exc.value)
        return await _page(request, values, status=422)
    try:
        async with state(request).services.db.session() as session:
            await check_tag(session, draft)
            # as the job will see them then: a scheduled one's recipients, and WhatsApp's windows, at its time
            the_plan = await plan(
                session,
                draft,
                sender=me(request),
                now=draft.send_at or utcnow(),
                viber_files=state(request).services.jobs.links is not None,
            )
            tag = await label_of(session, key=draft.tag) if draft.tag is not None else None
        check_plan(draft, the_plan)
    except BroadcastError as exc:
        flash(request, f"broadcasts.{exc.reason}", value=exc.value)
        return await _page(request, values, status=422)
    return render(
        request,
        "broadcast_preview.html",
        form=values,
        key=new_key(),
        by_channel=the_plan.by_channel(),
        skipped=the_plan.skipped(),
        total=len(the_plan.sending),
        samples=[(c.contact.label(), c.to.channel, c.text) for c in the_plan.sending[:SAMPLES]],
        files=_files(values),
        send_at=draft.send_at,
        tag=tag,
    )


async def broadcast_edit(request: web.Request) -> web.Response:
    """«Изменить» on the preview: the form again, as it was filled, its files kept (ticked)."""
    require_role(request, *EDITORS)
    return await _page(request, _form_values(await request.post()))


async def broadcast_change(request: web.Request) -> web.Response:
    """«Изменить» on a broadcast still to go: the form filled from it, its files kept; the preview and
    «Сохранить» follow as for a new one, and saving replaces it (workers.broadcasts.revise)."""
    require_role(request, *EDITORS)
    async with state(request).services.db.session() as session:
        row = await row_or_404(session, Broadcast, request.match_info["id"])
    if row.written_at is not None or row.cancelled_at is not None:
        flash(request, "broadcasts.edit_late")
        raise redirect(f"/ui/broadcasts/{row.id}")
    audience = row.audience
    return await _page(
        request,
        {
            "text": row.text,
            "subject": row.subject or "",
            "whatsapp_template": row.whatsapp_template or "",
            "whatsapp_template_pick": "",
            "channels": [str(c) for c in audience.get("channels", ())],
            "since_days": str(audience.get("since_days", "")),
            "team": str(audience.get("team") or ""),
            "tag": str(audience.get("tag") or ""),
            "send_at": row.send_at.astimezone(my_tz(request)).strftime("%Y-%m-%dT%H:%M")
            if row.send_at
            else "",
            "repeat": (row.repeat or "").split(";")[0],
            "edit_of": str(row.id),
            "attachments": [
                AttachmentRef.model_validate(ref).model_dump_json(exclude_none=True)
                for ref in row.attachments
            ],
        },
    )


async def broadcast_send(request: web.Request) -> web.Response:
    require_role(request, *EDITORS)
    form = await request.post()
    values = _form_values(form)
    try:
        draft = await _draft(request, values)
    except BroadcastError as exc:  # e.g. its time passed while the preview was open
        flash(request, f"broadcasts.{exc.reason}", value=exc.value)
        return await _page(request, values, status=422)
    key = str(form.get("key", ""))
    if not key:
        raise web.HTTPBadRequest(text="the preview's key is missing")
    if values["edit_of"]:
        return await _save_edit(request, values, draft, key)
    try:
        broadcast_id, new = await send(
            state(request).services.db,
            request.config_dict[QUEUE],
            draft,
            key=key,
            sender=me(request),
            now=utcnow(),
            viber_files=state(request).services.jobs.links is not None,
        )
    except BroadcastError as exc:  # an email client wrote since the preview, and there is no subject
        flash(request, f"broadcasts.{exc.reason}", value=exc.value)
        return await _page(request, values, status=422)
    flash(
        request,
        ("broadcasts.scheduled" if draft.send_at else "broadcasts.sent")
        if new
        else "broadcasts.sent_already",
    )
    raise redirect(f"/ui/broadcasts/{broadcast_id}")


async def _save_edit(request: web.Request, values: dict[str, Any], draft: Draft, key: str) -> web.Response:
    async with state(request).services.db.session() as session:
        row = await row_or_404(session, Broadcast, values["edit_of"])
    try:
        done = await revise(
            state(request).services.db,
            request.config_dict[QUEUE],
            row.id or 0,
            draft,
            key=key,
            staff=me(request),
            now=utcnow(),
            viber_files=state(request).services.jobs.links is not None,
        )
    except BroadcastError as exc:
        flash(request, f"broadcasts.{exc.reason}", value=exc.value)
        return await _page(request, values, status=422)
    flash(request, "broadcasts.edited" if done else "broadcasts.edit_late")
    raise redirect(f"/ui/broadcasts/{row.id}")


async def broadcast_cancel(request: web.Request) -> web.Response:
    """«Отменить рассылку»: a scheduled broadcast (or one still queued) is called off; nothing of it goes."""
    require_role(request, *EDITORS)
    async with state(request).services.db.session() as session:
        row = await row_or_404(session, Broadcast, request.match_info["id"])
    done = await cancel(state(request).services.db, row.id or 0, staff=me(request), now=utcnow())
    flash(request, "broadcasts.cancelled" if done else "broadcasts.cancel_late")
    raise redirect(f"/ui/broadcasts/{row.id}")


async def broadcast_stop_repeat(request: web.Request) -> web.Response:
    """«Больше не повторять»: a repeating broadcast not yet gone goes this once more, and the chain ends."""
    require_role(request, *EDITORS)
    async with state(request).services.db.session() as session:
        row = await row_or_404(session, Broadcast, request.match_info["id"])
    done = await stop_repeat(state(request).services.db, row.id or 0, staff=me(request))
    flash(request, "broadcasts.repeat_stopped" if done else "broadcasts.repeat_stop_late")
    raise redirect(f"/ui/broadcasts/{row.id}")


async def broadcast_page(request: web.Request) -> web.Response:
    require_role(request, *EDITORS)
    async with state(request).services.db.session() as session:
        row = await row_or_404(session, Broadcast, request.match_info["id"])
        status = func.coalesce(Message.delivery_status, Outbox.status)
        query = (
            select(BroadcastRecipient, Contact, status, Outbox.last_error)
            .join(Contact, col(Contact.id) == col(BroadcastRecipient.contact_id))
            .outerjoin(Message, col(Message.id) == col(BroadcastRecipient.message_id))
            .outerjoin(Outbox, col(Outbox.message_id) == col(BroadcastRecipient.message_id))
            .where(col(BroadcastRecipient.broadcast_id) == row.id)
            .order_by(col(BroadcastRecipient.skipped).is_not(None), col(Contact.display_name))
            .limit(SHOWN)
        )
        recipients = (await session.execute(query)).all()
        companies = select(ClientContact.contact_id, Client.name).join(
            Client, col(Client.id) == col(ClientContact.client_id)
        )
        company = {
            int(contact_id): str(name)
            for contact_id, name in (
                await session.execute(
                    companies.where(col(ClientContact.contact_id).in_([r[1].id for r in recipients]))
                )
            ).all()
        }
        counts = (await _counts(session, [row.id or 0])).get(row.id or 0, {})
        previous = await session.get(Broadcast, row.previous_id) if row.previous_id is not None else None
        following = await _following(session, [row.id or 0])
        names = await staff_names(session)
        key = row.audience.get("tag")
        # the tag as the company writes it; its key when no client has it any more
        tag = (await label_of(session, key=str(key)) or str(key)) if key else None
    return render(
        request,
        "broadcast.html",
        tag=tag,
        row=row,
        recipients=recipients,
        company=company,
        counts=counts,
        names=names,
        shown=SHOWN,
        files=[AttachmentRef.model_validate(ref) for ref in row.attachments],
        now=utcnow(),
        previous=previous,
        following=following.get(row.id or 0),
    )


async def _counts(session: Any, ids: list[int]) -> dict[int, dict[str, int]]:
    """Per broadcast: how many copies are at each delivery status, and how many were not sent, by reason."""
    status = func.coalesce(BroadcastRecipient.skipped, Message.delivery_status, Outbox.status)
    query = (
        select(BroadcastRecipient.broadcast_id, status, func.count())
        .outerjoin(Message, col(Message.id) == col(BroadcastRecipient.message_id))
        .outerjoin(Outbox, col(Outbox.message_id) == col(BroadcastRecipient.message_id))
        .where(col(BroadcastRecipient.broadcast_id).in_(ids))
        .group_by(col(BroadcastRecipient.broadcast_id), status)
    )
    out: dict[int, dict[str, int]] = {}
    for broadcast_id, state_, count in (await session.execute(query)).all():
        out.setdefault(int(broadcast_id), {})[str(state_)] = int(count)
    return out


async def _following(session: Any, ids: list[int]) -> dict[int, Broadcast]:
    """A repeating broadcast's next occurrence, for those written (their run stored it), by the one before."""
    query = select(Broadcast).where(col(Broadcast.previous_id).in_(ids))
    return {row.previous_id or 0: row for row in (await session.execute(query)).scalars().all()}
