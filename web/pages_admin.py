"""Admin: staff members and their web passwords (given by the admin, or set by the member from a mailed
link)."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from intake.zones import known_zone, zone_choices, zone_label
from storage.models import Staff
from storage.repos.accounts import add_staff, list_staff
from storage.repos.login_links import VALID_FOR, issue_link, set_password
from storage.repos.org_chart import can_head, reports_to
from storage.repos.staff_bot import create_invite
from storage.types import utcnow
from web.login_mail import send_link
from web.pages_account import MIN_PASSWORD, link_url, save_language, save_zone
from web.passwords import hash_password
from web.session import SESSION
from web.ui import audit_mine, flash, me, redirect, render, require_role, row_or_404, state

ROLES = ("manager", "supervisor", "admin")


async def staff_page(request: web.Request) -> web.Response:
    require_role(request, "admin")
    async with state(request).services.db.session() as session:
        members = await list_staff(session)
    return _staff_page(request, members, invite_code=None, invite_for=None)


def _staff_page(
    request: web.Request,
    members: Sequence[Staff],
    *,
    invite_code: str | None,
    invite_for: str | None,
    link: str | None = None,
    link_problem: str | None = None,
) -> web.Response:
    heads = [m for m in members if can_head(m)]
    names = {m.id: m.name for m in members}
    company, at = state(request).services.jobs.policy.tz.key, utcnow()
    return render(
        request,
        "admin_staff.html",
        members=members,
        roles=ROLES,
        heads=heads,
        head_names=names,
        invite_code=invite_code,
        invite_for=invite_for,
        link=link,  # a login link the mail could not take: shown once, to hand over another way
        link_problem=link_problem,
        zones=zone_choices(company, None, at),
        zone_names={
            m.id: zone_label(m.timezone, at) for m in members if m.timezone and known_zone(m.timezone)
        },
    )


async def staff_add(request: web.Request) -> web.Response:
    """A member with the password the admin gives, or, with an email and no password, invited by mail to set
    their own."""
    require_role(request, "admin")
    form = await request.post()
    name, email = str(form.get("name", "")).strip()[:255], str(form.get("email", "")).strip().lower()[:320]
    role, password = str(form.get("role", "")), str(form.get("password", ""))
    invited = bool(email) and not password  # they set their own from the mailed link
    if not name or role not in ROLES or not (invited or len(password) >= MIN_PASSWORD):
        flash(request, "admin.bad")
        raise redirect("/ui/admin/staff")
    async with state(request).services.db.session() as session:
        try:
            member = await add_staff(
                session,
                name=name,
                role=role,
                email=email or None,
                password_hash=hash_password(password) if password else None,
            )
            await session.commit()
        except IntegrityError:
            flash(request, "admin.bad")
            raise redirect("/ui/admin/staff") from None
    if invited:
        return await _mail_link(request, member)
    flash(request, "admin.added")
    raise redirect("/ui/admin/staff")


async def staff_mail_link(request: web.Request) -> web.Response:
    """An invitation (no password yet) or a reset link (one forgot theirs) by email to the member."""
    require_role(request, "admin")
    raw = request.match_info["id"]
    async with state(request).services.db.session() as session:
        member = await session.get(Staff, int(raw)) if raw.isdigit() else None
    if member is None or not member.active or not member.email:
        raise web.HTTPNotFound(text="not found")
    return await _mail_link(request, member)


async def _mail_link(request: web.Request, member: Staff) -> web.Response:
    """Mailed, and the admin told so; with no mailbox that can send (or a refusal), the link itself is shown
    to the admin once, to hand over another way."""
    purpose = "reset" if member.password_hash else "invite"
    services = state(request).services
    async with services.db.session() as session:
        token = await issue_link(
            session, staff=member, purpose=purpose, at=utcnow(), created_by_id=me(request).id
        )
        await session.commit()
        members = await list_staff(session)
    url = link_url(request, token)
    problem = await send_link(
        services,
        to=member.email or "",
        name=member.name,
        url=url,
        purpose=purpose,
        valid_for=VALID_FOR[purpose],
    )
    if not problem:
        flash(request, "admin.link_mailed")
        raise redirect("/ui/admin/staff")
    return _staff_page(
        request, members, invite_code=None, invite_for=member.name, link=url, link_problem=problem
    )


async def staff_invite(request: web.Request) -> web.Response:
    """A one-time code that connects an existing member's Telegram to the staff bot, shown once on the page
    (a member added here has a web login, calls and requests: joining by a plain invite made a second one)."""
    require_role(request, "admin")
    raw = request.match_info["id"]
    async with state(request).services.db.session() as session:
        member = await session.get(Staff, int(raw)) if raw.isdigit() else None
        if member is None or not member.active:
            raise web.HTTPNotFound(text="not found")
        _invite, code = await create_invite(
            session, role=member.role, staff=member, created_by_id=me(request).id
        )
        await session.commit()
        members = await list_staff(session)
    return _staff_page(request, members, invite_code=code, invite_for=member.name)


async def staff_duty(request: web.Request) -> web.Response:
    """On duty or not (leave, sick day): round-robin assignment picks only managers on duty."""
    require_role(request, "admin", "supervisor")
    form = await request.post()
    raw = request.match_info["id"]
    async with state(request).services.db.session() as session:
        member = await row_or_404(session, Staff, raw)
        member.on_duty = form.get("on_duty") == "1"
        await audit_mine(
            session,
            request,
            "staff.duty",
            entity="staff",
            entity_id=member.id,
            details={"on_duty": member.on_duty},
        )
        await session.commit()
    raise redirect("/ui/admin/staff")


async def staff_head(request: web.Request) -> web.Response:
    """A member's head (руководитель): their conflicts, SLA breaches and late tasks reach the head first."""
    require_role(request, "admin")
    form = await request.post()
    raw, wanted = request.match_info["id"], str(form.get("head_id", ""))
    async with state(request).services.db.session() as session:
        member = await row_or_404(session, Staff, raw)
        head = await session.get(Staff, int(wanted)) if wanted.isdigit() else None
        if wanted and not can_head(head):
            flash(request, "admin.bad_head")
            raise redirect("/ui/admin/staff")
        if head is not None and await reports_to(session, head, member):
            flash(request, "admin.head_cycle")  # Виктор under Анна under Виктор: nobody would be told
            raise redirect("/ui/admin/staff")
        member.head_id = head.id if head else None
        await audit_mine(
            session,
            request,
            "staff.head",
            entity="staff",
            entity_id=member.id,
            details={"head_id": member.head_id},
        )
        await session.commit()
    flash(request, "admin.saved")
    raise redirect("/ui/admin/staff")


async def staff_zone(request: web.Request) -> web.Response:
    """A member's own time zone, for one who works from a branch in another city."""
    require_role(request, "admin")
    raw = request.match_info["id"]
    return await save_zone(request, int(raw) if raw.isdigit() else None, back="/ui/admin/staff")


async def staff_language(request: web.Request) -> web.Response:
    """A member's language, for one who reads okno in English (the HR import's column does the same); their
    own profile or /lang in the staff bot changes it too."""
    require_role(request, "admin")
    raw = request.match_info["id"]
    await save_language(request, int(raw) if raw.isdigit() else None)
    raise redirect("/ui/admin/staff")


async def staff_password(request: web.Request) -> web.Response:
    """A web password for a member who has none yet (imported from the HR list, joined through the bot) or
    forgot theirs; the admin hands it over, and only its hash is kept."""
    require_role(request, "admin")
    form = await request.post()
    raw, password = str(form.get("staff_id", "")), str(form.get("password", ""))
    if len(password) < MIN_PASSWORD:
        flash(request, "admin.bad_password")
        raise redirect("/ui/admin/staff")
    async with state(request).services.db.session() as session:
        member = await session.get(Staff, int(raw)) if raw.isdigit() else None
        if member is None or not member.active:
            raise web.HTTPNotFound(text="not found")
        now = utcnow()
        await set_password(session, staff=member, password_hash=hash_password(password), at=now)
        await audit_mine(session, request, "staff.password", entity="staff", entity_id=member.id)
        await session.commit()
    if member.id == me(request).id:
        request[SESSION]["at"] = now.timestamp()  # the admin's own: this session goes on, others end
    flash(request, "admin.password_set")
    raise redirect("/ui/admin/staff")
