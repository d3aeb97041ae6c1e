"""Broadcasts («Рассылки»): a supervisor or admin writes one notice to the clients who wrote lately (or to one
group's), sees who will get it in which channel and who will not and why, then sends it; each broadcast's
page follows its copies to delivered, read or failed (workers/broadcasts.py)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select

from storage.models import Broadcast, BroadcastRecipient, Client, ClientContact, Contact, Message, Outbox
from storage.repos.org_chart import heads_with_groups
from storage.types import utcnow
from web.api import QUEUE
from web.queries import staff_names
from web.ui import flash, lang, me, redirect, render, require_role, row_or_404, state
from workers.broadcasts import CHANNELS, BroadcastError, Draft, check_draft, check_plan, new_key, plan, send
from workers.saved_replies import PLACEHOLDERS

EDITORS = ("supervisor", "admin")
SAMPLES = 5
SHOWN = 2000  # recipients listed on a broadcast's page; the counts above them cover all


def _form_values(form: Any) -> dict[str, Any]:
    team = str(form.get("team", "") or "")
    return {
        "text": str(form.get("text", "")),
        "subject": str(form.get("subject", "")),
        "whatsapp_template": str(form.get("whatsapp_template", "")),
        "channels": [str(c) for c in form.getall("channels", [])],
        "since_days": str(form.get("since_days", "")),
        "team": team,
    }


def _draft(values: dict[str, Any]) -> Draft:
    team = values["team"]
    return check_draft(
        text=values["text"],
        channels=values["channels"],
        since_days=values["since_days"],
        team=int(team) if team.isdigit() and len(team) < 10 else None,  # a head's id, else everyone
        subject=values["subject"],
        whatsapp_template=values["whatsapp_template"],
    )


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
        names = await staff_names(session)
        heads = await heads_with_groups(session)
    return render(
        request,
        "broadcasts.html",
        status=status,
        rows=rows,
        counts=counts,
        names=names,
        heads=heads,
        channels=CHANNELS,
        form=values
        or {
            "text": "",
            "subject": "",
            "whatsapp_template": "",
            "channels": list(CHANNELS),
            "since_days": "365",
            "team": "",
        },
        placeholders=[
            name
            for name, key in PLACEHOLDERS.items()
            if key != "number" and name.isascii() == (lang(request) == "en")
        ],
    )


async def broadcasts_page(request: web.Request) -> web.Response:
    require_role(request, *EDITORS)
    return await _page(request)


async def broadcast_preview(request: web.Request) -> web.Response:
    """Who would get it, in which channel, with a few copies as they will read; «Отправить» sends it."""
    require_role(request, *EDITORS)
    values = _form_values(await request.post())
    try:
        draft = _draft(values)
    except BroadcastError as exc:
        flash(request, f"broadcasts.{exc.reason}", value=exc.value)
        return await _page(request, values, status=422)
    async with state(request).services.db.session() as session:
        the_plan = await plan(session, draft, sender=me(request), now=utcnow())
    try:
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
    )


async def broadcast_edit(request: web.Request) -> web.Response:
    """«Изменить» on the preview: the form again, as it was filled."""
    require_role(request, *EDITORS)
    return await _page(request, _form_values(await request.post()))


async def broadcast_send(request: web.Request) -> web.Response:
    require_role(request, *EDITORS)
    form = await request.post()
    values = _form_values(form)
    try:
        draft = _draft(values)
    except BroadcastError as exc:
        flash(request, f"broadcasts.{exc.reason}", value=exc.value)
        return await _page(request, values, status=422)
    key = str(form.get("key", ""))
    if not key:
        raise web.HTTPBadRequest(text="the preview's key is missing")
    try:
        broadcast_id, new = await send(
            state(request).services.db,
            request.config_dict[QUEUE],
            draft,
            key=key,
            sender=me(request),
            now=utcnow(),
        )
    except BroadcastError as exc:  # an email client wrote since the preview, and there is no subject
        flash(request, f"broadcasts.{exc.reason}", value=exc.value)
        return await _page(request, values, status=422)
    flash(request, "broadcasts.sent" if new else "broadcasts.sent_already")
    raise redirect(f"/ui/broadcasts/{broadcast_id}")


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
        names = await staff_names(session)
    return render(
        request,
        "broadcast.html",
        row=row,
        recipients=recipients,
        company=company,
        counts=counts,
        names=names,
        shown=SHOWN,
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
