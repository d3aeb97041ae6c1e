"""Admin: channel accounts (list, add, switch off; secrets go in sealed and never come back out) and the
company settings the intake reads (SLA minutes, business hours, round-robin assignment)."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from channels.whatsapp.templates import TemplateSyncError, shown_config, synced
from intake.schema import CHANNELS
from storage.models import ChannelAccount, Staff
from storage.repos.accounts import add_channel_account, list_channel_accounts
from storage.repos.company_settings import (
    CLIENT_WAIT_DAYS,
    CLIENT_WAIT_MAX,
    LOW_SCORE,
    AssignmentSettings,
    BusinessHours,
    ClientNotices,
    SlaSettings,
    assignment_settings,
    client_notices,
    save_assignment_settings,
    save_client_notices,
    save_sla_settings,
    sla_settings,
)
from storage.repos.org_chart import HEAD_ROLES, can_head
from storage.repos.staff_bot import active_staff
from web.ui import audit_mine, flash, me, redirect, render, require_role, row_or_404, state
from workers.whatsapp_templates import sync_templates

NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
PAIRS_MAX = 30


def pairs(raw: str) -> dict[str, str]:
    """`key=value` per line -> dict; a line without "=" is a mistake the admin hears about."""
    found: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(line.strip()[:40])
        found[key.strip()] = value.strip()
    if len(found) > PAIRS_MAX:
        raise ValueError("too many lines")
    return found


async def channels_page(request: web.Request) -> web.Response:
    require_role(request, "admin")
    async with state(request).services.db.session() as session:
        accounts = await list_channel_accounts(session)
        heads = await active_staff(session, roles=HEAD_ROLES)
    # Only which secrets are set is shown, never their values.
    box = state(request).services.box
    secret_keys = {a.id: sorted(box.open(a.secrets_encrypted)) for a in accounts}
    return render(
        request,
        "admin_channels.html",
        accounts=accounts,
        channels=CHANNELS,
        secret_keys=secret_keys,
        heads=heads,
        # the synced template list is shown as its count and time, not as a wall of config JSON
        shown_config={a.id: shown_config(a.config) for a in accounts},
        templates={a.id: synced(a.config) for a in accounts if a.channel == "whatsapp"},
    )


async def channel_templates(request: web.Request) -> web.Response:
    """«Обновить шаблоны»: a WhatsApp account's approved templates read from Meta for the reply pickers."""
    require_role(request, "admin")
    services = state(request).services
    async with services.db.session() as session:
        account = await row_or_404(session, ChannelAccount, request.match_info["id"])
    if account.channel != "whatsapp":
        raise web.HTTPNotFound(text="not a WhatsApp account")
    try:
        found = await sync_templates(services.db, services.box, account.id or 0, staff_id=me(request).id)
    except TemplateSyncError as exc:
        flash(request, "channels.templates_failed", error=str(exc)[:300])
        raise redirect("/ui/admin/channels") from None
    await services.accounts.refresh()
    flash(request, "channels.templates_synced", count=str(len(found.items)), usable=str(len(found.usable)))
    raise redirect("/ui/admin/channels")


async def channel_add(request: web.Request) -> web.Response:
    require_role(request, "admin")
    form = await request.post()
    channel, name = str(form.get("channel", "")), str(form.get("name", "")).strip()
    try:
        config, secrets = pairs(str(form.get("config", ""))), pairs(str(form.get("secrets", "")))
    except ValueError:
        flash(request, "channels.bad_pairs")
        raise redirect("/ui/admin/channels") from None
    if channel not in CHANNELS or not NAME.match(name):
        flash(request, "channels.bad")
        raise redirect("/ui/admin/channels")
    services = state(request).services
    async with services.db.session() as session:
        try:
            account = await add_channel_account(
                session, box=services.box, channel=channel, name=name, config=config, secrets=secrets
            )
            await _audit(session, request, "channel.add", account)
            await session.commit()
        except IntegrityError:
            flash(request, "channels.exists")
            raise redirect("/ui/admin/channels") from None
    await services.accounts.refresh()
    flash(request, "channels.added")
    raise redirect("/ui/admin/channels")


async def channel_active(request: web.Request) -> web.Response:
    require_role(request, "admin")
    form = await request.post()
    raw = request.match_info["id"]
    services = state(request).services
    async with services.db.session() as session:
        account = await row_or_404(session, ChannelAccount, raw)
        account.active = form.get("active") == "1"
        await _audit(session, request, "channel.active" if account.active else "channel.inactive", account)
        await session.commit()
    await services.accounts.refresh()
    raise redirect("/ui/admin/channels")


async def _audit(session: AsyncSession, request: web.Request, action: str, account: ChannelAccount) -> None:
    details = {"channel": account.channel, "name": account.name}  # never the secrets
    entity_id = account.id
    await audit_mine(session, request, action, entity="channel_account", entity_id=entity_id, details=details)


async def sla_page(request: web.Request) -> web.Response:
    require_role(request, "admin")
    async with state(request).services.db.session() as session:
        sla, assignment = await sla_settings(session), await assignment_settings(session)
        notices = await client_notices(session)
    default = int(state(request).services.jobs.policy.sla_first_response.total_seconds() // 60)
    hours = sla.business_hours
    return render(
        request,
        "admin_sla.html",
        sla=sla,
        hours=hours or BusinessHours(),
        hours_on=hours is not None,
        holidays=", ".join(d.strftime("%d.%m.%Y") for d in sorted((hours or BusinessHours()).holidays)),
        default_minutes=default,
        round_robin=assignment.round_robin,
        notices=notices,
        weekdays=range(7),
    )


def _sla_from(form: dict[str, str], days: list[str]) -> SlaSettings:
    minutes_raw = form.get("first_response_minutes", "").strip()
    minutes = int(minutes_raw) if minutes_raw else None
    if minutes is not None and not 1 <= minutes <= 100_000:
        raise ValueError("minutes")
    hours = None
    if form.get("hours_on") == "1":
        hours = BusinessHours(
            days=tuple(sorted({int(d) for d in days})),
            start=time.fromisoformat(form.get("start", "")),
            end=time.fromisoformat(form.get("end", "")),
            holidays=_holidays(form.get("holidays", "")),
        )
    wait = int(form.get("client_wait_days", "").strip() or CLIENT_WAIT_DAYS)
    if not 0 <= wait <= CLIENT_WAIT_MAX:
        raise ValueError("client_wait_days")
    return SlaSettings(first_response_minutes=minutes, business_hours=hours, client_wait_days=wait)


def _notices_from(form: dict[str, str]) -> ClientNotices:
    low = int(form.get("survey_low", "").strip() or LOW_SCORE)
    if not 1 <= low <= 4:
        raise ValueError("survey_low")
    return ClientNotices(
        ask_rating=form.get("survey_on") == "1",
        low_score=low,
        off_hours=form.get("off_hours_on") == "1",
    )


def _holidays(text: str) -> frozenset[date]:
    """ "31.12.2026, 01.01.2027" (or ISO dates); a bad date is a ValueError like any bad field."""
    days = set()
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        if part := part.strip():
            days.add(date.fromisoformat(part) if "-" in part else datetime.strptime(part, "%d.%m.%Y").date())
    return frozenset(days)


async def sla_save(request: web.Request) -> web.Response:
    require_role(request, "admin")
    form = await request.post()
    fields = {k: str(v) for k, v in form.items()}
    try:
        sla = _sla_from(fields, [str(d) for d in form.getall("days", [])])
        notices = _notices_from(fields)
    except ValueError:  # a bad number, time or weekday: nothing is saved
        flash(request, "sla.bad")
        raise redirect("/ui/admin/sla") from None
    async with state(request).services.db.session() as session:
        await save_sla_settings(session, sla, staff_id=me(request).id)
        await save_assignment_settings(
            session, AssignmentSettings(round_robin=fields.get("round_robin") == "1"), staff_id=me(request).id
        )
        await save_client_notices(session, notices, staff_id=me(request).id)
        await session.commit()
    flash(request, "sla.saved")
    raise redirect("/ui/admin/sla")


async def channel_group(request: web.Request) -> web.Response:
    """The group that answers a line: new requests from it rotate among that head's managers, and while
    nobody has one, its alerts reach that head."""
    require_role(request, "admin")
    form = await request.post()
    raw, wanted = request.match_info["id"], str(form.get("group_head_id", ""))
    async with state(request).services.db.session() as session:
        account = await row_or_404(session, ChannelAccount, raw)
        head = await session.get(Staff, int(wanted)) if wanted.isdigit() else None
        if wanted and not can_head(head):
            flash(request, "admin.bad_head")
            raise redirect("/ui/admin/channels")
        account.group_head_id = head.id if head else None
        await _audit(session, request, "channel.group", account)
        await session.commit()
    flash(request, "admin.saved")
    raise redirect("/ui/admin/channels")
