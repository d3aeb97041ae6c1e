"""The audit log for admins: who did what and when, company-wide — a request's status, a merge of two
clients, a password set, a setting changed, a client's data erased — newest first, by member and by kind of
object, a page at a time. Everything okno changes on someone's behalf writes a row (storage/repos/audit.py);
this is where a director or an auditor reads them."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import col, select

from storage.models import AuditLog, Staff
from web.request_history import actor_name
from web.ui import lang, render, require_role, state

PAGE = 100
ENTITIES = (
    "request",
    "client",
    "contact",
    "alert",
    "task",
    "call",
    "staff",
    "staff_invite",
    "channel_account",
    "sla",
    "assignment",
    "survey",
    "raw_event",
)
LINKS = {"request": "/ui/requests/{id}", "client": "/ui/clients/{id}"}


async def audit_page(request: web.Request) -> web.Response:
    require_role(request, "admin")
    who, entity, before = (request.query.get(k, "").strip() for k in ("who", "entity", "before"))
    query = select(AuditLog).order_by(col(AuditLog.id).desc()).limit(PAGE + 1)
    if who.isdigit():
        query = query.where(col(AuditLog.actor_kind) == "staff", col(AuditLog.actor_id) == int(who))
    elif who in ("system", "assistant"):
        query = query.where(col(AuditLog.actor_kind) == who)
    if entity:
        query = query.where(col(AuditLog.entity) == entity)
    if before.isdigit():
        query = query.where(col(AuditLog.id) < int(before))
    async with state(request).services.db.session() as session:
        rows = list((await session.execute(query)).scalars())
        staff = list((await session.execute(select(Staff).order_by(col(Staff.name)))).scalars())
    names: dict[Any, str] = {s.id: s.name for s in staff}
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    language = lang(request)
    return render(
        request,
        "admin_audit.html",
        rows=[_row(r, names, language) for r in rows],
        staff=staff,
        entities=ENTITIES,
        filters={"who": who, "entity": entity},
        older=rows[-1].id if more and rows else None,
    )


def _row(row: AuditLog, names: dict[Any, str], language: str) -> dict[str, Any]:
    link = LINKS.get(row.entity)
    return {
        "at": row.at,
        "who": actor_name(row, names, language),
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "link": link.format(id=row.entity_id) if link and row.entity_id else None,
        # what the row says beyond its action: ids and values, never a secret (audit rows hold none)
        "details": ", ".join(f"{k}={_short(v)}" for k, v in row.details.items()),
    }


def _short(value: Any) -> str:
    shown = str(value)
    return shown if len(shown) <= 80 else shown[:80] + "…"
