"""A member's own account: setting the web password from an emailed link (an admin's invitation, or a
reset asked for on the sign-in page) and the profile (a new password, the staff bot connected)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlmodel import col, select

from intake.zones import UnknownZone, parse_zone, zone_choices, zone_label
from storage.models import Staff
from storage.repos.audit import audit
from storage.repos.login_links import VALID_FOR, issue_link, open_link, set_password
from storage.repos.staff_bot import create_invite
from storage.types import utcnow
from web.login_mail import link_base, send_link
from web.pages_auth import start_session
from web.passwords import hash_password, verify_password
from web.session import SESSION
from web.ui import audit_mine, flash, me, redirect, render, state
from workers.staffbot_config import LANGUAGES

log = logging.getLogger(__name__)
MIN_PASSWORD = 10
_mailing: set[asyncio.Task[str]] = set()  # reset mails in flight (the page answers before they leave)


def link_url(request: web.Request, token: str) -> str:
    """Where the member opens the link an admin sends: the configured web address, else the one the admin
    is using (signed in, their own browser's Host). An anonymous reset never falls back to it."""
    base = link_base(state(request).services.settings) or str(request.url.origin())
    return welcome_url(base, token)


def welcome_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/ui/welcome/{token}"


def password_problem(password: str, repeated: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return "account.short"
    if password != repeated:
        return "account.mismatch"
    return None


async def welcome_page(request: web.Request) -> web.Response:
    """GET shows the form and uses nothing: mail scanners open links before people do."""
    async with state(request).services.db.session() as session:
        opened = await open_link(session, token=request.match_info["token"], at=utcnow())
    if opened is None:
        return render(request, "welcome.html", status=410, member=None, error="account.link_gone")
    link, member = opened
    return render(request, "welcome.html", member=member, purpose=link.purpose, error=None)


async def welcome_post(request: web.Request) -> web.Response:
    form = await request.post()
    password, repeated = str(form.get("password", "")), str(form.get("repeat", ""))
    now = utcnow()
    async with state(request).services.db.session() as session:
        opened = await open_link(session, token=request.match_info["token"], at=now)
        if opened is None:
            return render(request, "welcome.html", status=410, member=None, error="account.link_gone")
        link, member = opened
        if problem := password_problem(password, repeated):
            return render(
                request, "welcome.html", status=422, member=member, purpose=link.purpose, error=problem
            )
        await set_password(session, staff=member, password_hash=hash_password(password), at=now)
        link.used_at = now
        await audit(
            session, actor_kind="staff", actor_id=member.id, action="staff.password_by_link", entity="staff",
            entity_id=member.id, details={"purpose": link.purpose},
        )  # fmt: skip
        await session.commit()
    start_session(request, member)
    flash(request, "account.password_set")
    raise redirect("/ui/")


async def forgot_page(request: web.Request) -> web.Response:
    ready = link_base(state(request).services.settings) is not None
    return render(request, "forgot.html", sent=False, error=None if ready else "forgot.not_ready")


async def forgot_post(request: web.Request) -> web.Response:
    """The same answer whether the address is a member's or not, and as fast: the mail leaves after it. The
    link points only at the configured address: one built from the request's Host would let anyone have a
    member's reset link sent pointing at their own site."""
    base = link_base(state(request).services.settings)
    if base is None:
        return render(request, "forgot.html", status=503, sent=False, error="forgot.not_ready")
    form = await request.post()
    email = str(form.get("email", "")).strip().lower()[:320]
    limiter = state(request).limiter
    keys = (f"forgot-ip:{request.remote}", f"forgot:{email}")  # its own counts: asking blocks no sign-in
    if limiter.blocked(*keys):
        return render(request, "forgot.html", status=429, sent=False, error="login.limited")
    limiter.fail(*keys)  # every ask counts: the page must not become a way to flood a mailbox
    services = state(request).services
    async with services.db.session() as session:
        query = select(Staff).where(col(Staff.email) == email, col(Staff.active).is_(True))
        member = (await session.execute(query)).scalars().first() if email else None
        token = None
        if member is not None:
            token = await issue_link(session, staff=member, purpose="reset", at=utcnow(), created_by_id=None)
            await session.commit()
    if member is not None and token is not None and member.email:
        mail = send_link(
            services, to=member.email, name=member.name, url=welcome_url(base, token), purpose="reset",
            valid_for=VALID_FOR["reset"],
        )  # fmt: skip
        task = asyncio.create_task(mail)
        _mailing.add(task)
        task.add_done_callback(_mailing.discard)
    return render(request, "forgot.html", sent=True, error=None)


def _profile(request: web.Request, bot_code: str | None) -> web.Response:
    company = state(request).services.jobs.policy.tz.key
    at = utcnow()
    return render(
        request,
        "profile.html",
        bot_code=bot_code,
        zones=zone_choices(company, me(request).timezone, at),
        company_zone=zone_label(company, at),
    )


async def profile_page(request: web.Request) -> web.Response:
    return _profile(request, bot_code=None)


async def profile_zone(request: web.Request) -> web.Response:
    """The member's own time zone (a branch in another city); empty: the company's."""
    return await save_zone(request, me(request).id, back="/ui/profile")


async def save_zone(request: web.Request, member_id: int | None, *, back: str) -> web.Response:
    """A member's zone from the form's `timezone` (an IANA name, a city, «МСК+4»; empty: the company's)."""
    raw = str((await request.post()).get("timezone", "")).strip()
    try:
        zone = parse_zone(raw) if raw else None
    except UnknownZone:
        flash(request, "profile.bad_zone")
        raise redirect(back) from None
    async with state(request).services.db.session() as session:
        member = await session.get(Staff, member_id) if member_id is not None else None
        if member is None:
            raise web.HTTPNotFound(text="not found")
        if member.timezone != zone:
            member.timezone = zone
            await audit_mine(session, request, "staff.timezone", entity="staff", entity_id=member.id,
                             details={"timezone": zone})  # fmt: skip
            await session.commit()
    flash(request, "profile.zone_saved")
    raise redirect(back)


async def profile_language(request: web.Request) -> web.Response:
    """The member's language: these pages (now and at each sign-in), the staff bot and its notices to them;
    empty: the company's."""
    await save_language(request, me(request).id)
    raise redirect("/ui/profile")


async def save_language(request: web.Request, member_id: int | None) -> None:
    """A member's language from the form's `language` (ru, en; empty: the company's), audited. The member's
    own (the profile, an admin's own row): this session's pages follow at once."""
    raw = str((await request.post()).get("language", "")).strip()
    if raw not in ("", *LANGUAGES):  # what the bot and the notices read too
        raise web.HTTPBadRequest(text="language: ru, en or empty")
    wanted = raw or None
    async with state(request).services.db.session() as session:
        member = await session.get(Staff, member_id) if member_id is not None else None
        if member is None:
            raise web.HTTPNotFound(text="not found")
        if member.language != wanted:
            member.language = wanted
            await audit_mine(session, request, "staff.language", entity="staff", entity_id=member.id,
                             details={"language": wanted})  # fmt: skip
            await session.commit()
    if member_id == me(request).id:
        request[SESSION]["lang"] = wanted or state(request).services.settings.company.language
    flash(request, "profile.language_saved")


async def profile_password(request: web.Request) -> web.Response:
    """A new password: the current one first; other devices' sessions end, this one goes on."""
    form = await request.post()
    current, password, repeated = (str(form.get(k, "")) for k in ("current", "password", "repeat"))
    now = utcnow()
    async with state(request).services.db.session() as session:
        member = await session.get(Staff, me(request).id)
        assert member is not None
        if not verify_password(member.password_hash, current):
            flash(request, "account.wrong_current")
            raise redirect("/ui/profile")
        if problem := password_problem(password, repeated):
            flash(request, problem)
            raise redirect("/ui/profile")
        await set_password(session, staff=member, password_hash=hash_password(password), at=now)
        await audit(
            session, actor_kind="staff", actor_id=member.id, action="staff.password_changed", entity="staff",
            entity_id=member.id,
        )  # fmt: skip
        await session.commit()
    request[SESSION]["at"] = now.timestamp()  # not before the change: this session stays signed in
    flash(request, "account.password_changed")
    raise redirect("/ui/profile")


async def profile_bot(request: web.Request) -> web.Response:
    """A one-time code that connects the member's own Telegram to the staff bot."""
    async with state(request).services.db.session() as session:
        member = await session.get(Staff, me(request).id)
        assert member is not None
        _invite, code = await create_invite(session, role=member.role, staff=member, created_by_id=member.id)
        await session.commit()
    return _profile(request, bot_code=code)
