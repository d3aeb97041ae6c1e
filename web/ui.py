"""The staff web UI as a sub-application at /ui: sessions, CSRF, sign-in, security headers, pages."""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from intake.rating import stars
from intake.zones import zone_label, zone_of
from okno.services import Services
from storage.alert_labels import CATEGORY_LABELS, alert_label, category_label
from storage.models import Staff
from storage.repos.audit import audit
from storage.types import utcnow
from web import replies_upload
from web.reply_files import MAX_BODY_BYTES
from web.session import SESSION, CookieSessions, LoginLimiter, session_key
from web.texts import text

HERE = Path(__file__).parent
Row = TypeVar("Row", bound=SQLModel)
ME = web.RequestKey("okno_web_me", Staff)
# the forms that upload files: a reply on the request page, a broadcast checked before it goes
UPLOAD_PATH = re.compile(r"/ui/requests/\d+/reply|/ui/broadcasts/preview")
PUBLIC = ("/ui/login", "/ui/static/", "/ui/forgot", "/ui/welcome/")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass
class UiState:
    services: Services
    sessions: CookieSessions
    limiter: LoginLimiter


STATE = web.AppKey("okno_web_state", UiState)


def state(request: web.Request) -> UiState:
    return request.config_dict[STATE]


def company_tz(request: web.Request) -> ZoneInfo:
    """The company's time zone: the pages show times in it and read a picked date in it."""
    return state(request).services.jobs.policy.tz


def my_tz(request: web.Request) -> ZoneInfo:
    """The signed-in member's zone (their own, else the company's): the pages show times in it and read a date
    they pick in it. Counting business days and a dashboard's days stay in the company's zone."""
    member = request.get(ME)
    return zone_of(member.timezone if member is not None else None, company_tz(request))


def me(request: web.Request) -> Staff:
    return request[ME]


def lang(request: web.Request) -> str:
    """The reader's pick (?lang=, kept in the session), else the member's own language, else the company's."""
    member = request.get(ME)
    own = member.language if member is not None else None
    return str(request[SESSION].get("lang") or own or state(request).services.settings.company.language)


def t(request: web.Request, key: str) -> str:
    return text(key, lang(request))


async def row_or_404(session: AsyncSession, model: type[Row], raw: str) -> Row:
    """The row a path's id names (`raw`, as the path has it), or 404 — a non-number included."""
    row = await session.get(model, int(raw)) if raw.isdigit() else None
    if row is None:
        raise web.HTTPNotFound(text="not found")
    return row


def flash(request: web.Request, key: str, **values: str) -> None:
    """A notice for the next page: the text under `key`, with `values` put into its {fields}."""
    request[SESSION]["flash"] = key
    if values:
        request[SESSION]["flash_values"] = values
    else:  # an earlier notice's values must not reach this one
        request[SESSION].pop("flash_values", None)


async def audit_mine(
    session: AsyncSession,
    request: web.Request,
    action: str,
    *,
    entity: str,
    entity_id: int | None,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit row for what the signed-in staff member did."""
    await audit(
        session,
        actor_kind="staff",
        actor_id=me(request).id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        details=details,
    )


def redirect(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


def require_role(request: web.Request, *roles: str) -> None:
    if me(request).role not in roles:
        raise web.HTTPForbidden(text=t(request, "error.403"))


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/ui/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def sessions(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith("/ui/static/"):
        return await handler(request)  # type: ignore[no-any-return]
    store = state(request).sessions
    data = store.load(request)
    before = json.dumps(data, sort_keys=True) if "okno_session" in request.cookies else ""
    if request.query.get("lang") in ("ru", "en"):  # after `before`: a switch is a change, kept in the cookie
        data["lang"] = request.query["lang"]
    request[SESSION] = data
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        if json.dumps(request[SESSION], sort_keys=True) != before:
            store.save(exc, request[SESSION])
        raise
    if json.dumps(request[SESSION], sort_keys=True) != before:
        store.save(response, request[SESSION])
    return response


@web.middleware
async def reply_uploads(request: web.Request, handler: Any) -> web.StreamResponse:
    """A reply with files may be larger than okno's body limit for everything else (OKNO_HTTP__MAX_BODY_BYTES,
    1 MB): the request page's reply form and the broadcast's take web/reply_files.MAX_BODY_BYTES — from a
    signed-in member only (the CSRF check reads the whole form before anything else looks at who sent it).
    A spreadsheet of saved replies, uploaded on /ui/replies, has a limit of its own."""
    # the session cookie is signed: not forgeable (static files have no session)
    signed = isinstance(request.get(SESSION, {}).get("sid"), int)
    if signed and request.method == "POST" and UPLOAD_PATH.fullmatch(request.path):
        request = request.clone(client_max_size=max(MAX_BODY_BYTES, request.client_max_size))
    if signed and request.method == "POST" and request.path in replies_upload.FORMS:
        return await _replies_upload(request, handler)
    return await handler(request)  # type: ignore[no-any-return]


async def _replies_upload(request: web.Request, handler: Any) -> web.StreamResponse:
    """A spreadsheet of saved replies under its own limit (web/replies_upload.py); one too large gets its form
    back with the reason, not aiohttp's bare 413."""
    request = request.clone(client_max_size=max(replies_upload.MAX_BODY_BYTES, request.client_max_size))
    try:
        return await handler(request)  # type: ignore[no-any-return]
    except web.HTTPRequestEntityTooLarge:
        flash(request, "replies.file_too_large", most=str(replies_upload.MAX_FILE_BYTES // (1024 * 1024)))
        raise redirect(replies_upload.FORMS[request.path]) from None


@web.middleware
async def csrf(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every state-changing request carries the session's CSRF token (form field or X-CSRF-Token)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("X-CSRF-Token")
        form: MultiDictProxy[Any] | None = None
        if sent is None and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            form = await request.post()
            value = form.get("csrf")
            sent = value if isinstance(value, str) else None
        expected = str(request[SESSION].get("csrf", ""))
        if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            for upload in form.values() if form is not None else ():
                if isinstance(upload, web.FileField):  # a refused form's files closed now, not by the GC
                    upload.file.close()
            raise web.HTTPForbidden(text=t(request, "error.csrf"))
    return await handler(request)  # type: ignore[no-any-return]


def _before_password(request: web.Request, staff: Staff) -> bool:
    """Signed in before the member's password last changed (reset by link, by an admin, in the profile)."""
    changed = staff.password_changed_at
    at = request[SESSION].get("at", 0)
    return changed is not None and (not isinstance(at, int | float) or at < changed.timestamp())


@web.middleware
async def signed_in(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith(PUBLIC):
        return await handler(request)  # type: ignore[no-any-return]
    staff_id = request[SESSION].get("sid")
    staff = None
    if isinstance(staff_id, int):
        async with state(request).services.db.session() as session:
            staff = await session.get(Staff, staff_id)
    if staff is None or not staff.active or staff.password_hash is None or _before_password(request, staff):
        request[SESSION].pop("sid", None)
        if request.method == "GET":
            raise web.HTTPSeeOther(
                f"/ui/login?next={request.path_qs}" if request.path != "/ui/" else "/ui/login"
            )
        raise web.HTTPUnauthorized(text="sign in first")
    request[ME] = staff
    return await handler(request)  # type: ignore[no-any-return]


def page_context(request: web.Request, **values: Any) -> dict[str, Any]:
    language = lang(request)
    session = request[SESSION]
    notice, notice_values = session.pop("flash", None), session.pop("flash_values", None)
    tz, company = my_tz(request), company_tz(request)
    return {
        "t": lambda key: text(key, language),
        "local": lambda moment: moment.astimezone(tz),  # every time shown in the reader's zone
        "alert_label": lambda alert: alert_label(alert.kind, alert.category, language),
        "stars": stars,
        "alert_categories": [(code, category_label(code, language)) for code in CATEGORY_LABELS],
        "lang": language,
        "csrf": session.get("csrf", ""),
        "me": request.get(ME),
        # the times on this page are not the company's: say whose they are
        "my_zone": zone_label(tz.key, utcnow()) if tz.key != company.key else None,
        "notice": _notice(notice, notice_values, language),
        "path": request.path,
        **values,
    }


def _notice(key: object, values: object, language: str) -> str | None:
    if not isinstance(key, str):
        return None
    if isinstance(values, dict):
        return text(key, language).format(**values)
    return text(key, language)


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, page_context(request, **values), status=status)


def mount(app: web.Application, services: Services) -> None:
    """Adds the UI under /ui (and / -> /ui/) to okno's application."""
    from web.routes import ui_routes

    ui = web.Application(middlewares=[security_headers, sessions, reply_uploads, csrf, signed_in])
    aiohttp_jinja2.setup(
        ui,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
    )
    ui[STATE] = UiState(
        services=services,
        sessions=CookieSessions(session_key(services.settings)),
        limiter=LoginLimiter(),
    )
    ui.add_routes(ui_routes())
    ui.router.add_static("/static", HERE / "static")
    app.add_subapp("/ui", ui)
    app.router.add_get("/", _to_ui)


async def _to_ui(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/ui/")
