"""Sign-in and sign-out."""

from __future__ import annotations

import secrets
import time

from aiohttp import web
from sqlalchemy import or_
from sqlmodel import col, select

from storage.models import Staff
from web.passwords import verify_password
from web.session import SESSION
from web.ui import lang, redirect, render, state


def _next(raw: str | None) -> str:
    # Only local UI paths: never an open redirect to another host.
    return raw if raw and raw.startswith("/ui/") and not raw.startswith("//") else "/ui/"


async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", error=None, next=_next(request.query.get("next")), login="")


async def login_post(request: web.Request) -> web.Response:
    form = await request.post()
    login = str(form.get("login", "")).strip()[:320]
    password = str(form.get("password", ""))
    target = _next(str(form.get("next", "")))
    limiter = state(request).limiter
    keys = (f"ip:{request.remote}", f"login:{login.lower()}")
    if limiter.blocked(*keys):
        return render(request, "login.html", status=429, error="login.limited", next=target, login=login)
    async with state(request).services.db.session() as session:
        query = select(Staff).where(
            or_(col(Staff.email) == login.lower(), col(Staff.name) == login), col(Staff.active).is_(True)
        )
        staff = (await session.execute(query)).scalars().first()
    if not verify_password(staff.password_hash if staff else None, password) or staff is None:
        limiter.fail(*keys)
        return render(request, "login.html", status=401, error="login.bad", next=target, login=login)
    start_session(request, staff)
    raise redirect(target)


def start_session(request: web.Request, staff: Staff) -> None:
    # the language picked before signing in stays; else the member's own (the profile, /lang in the bot)
    data, chosen = request[SESSION], request[SESSION].get("lang") or staff.language or lang(request)
    data.clear()
    # A fresh CSRF token on sign-in: a token planted before sign-in is worth nothing after. "at": when,
    # so that a later password change (a reset, the profile) ends this session on other devices.
    data.update(
        {"v": 1, "sid": staff.id, "csrf": secrets.token_urlsafe(24), "lang": chosen, "at": time.time()}
    )


async def logout(request: web.Request) -> web.Response:
    chosen = lang(request)
    request[SESSION].clear()
    request[SESSION].update({"v": 1, "csrf": secrets.token_urlsafe(24), "lang": chosen})
    raise redirect("/ui/login")
