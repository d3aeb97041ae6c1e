"""A request's history in words — who opened, assigned, changed, closed it and when — read from the audit
log, for the director who asks «кто закрыл заявку и когда?» (the seeds' «все действия сохраняются в
историю»). Messages and notes have their own places on the page; this is what happened to the request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import AuditLog, Client
from web.queries import staff_names
from web.texts import text

FIELDS = {
    "company_name": "conv.company",
    "inn": "conv.inn",
    "what": "conv.what",
    "due_at": "conv.due",
    "assignee_id": "conv.assignee",
    "client_id": "history.client",
    "waiting_until": "conv.wait_until",
}
WHAT_CHARS = 60


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str


async def request_history(
    session: AsyncSession, request_id: int, *, lang: str, tz: ZoneInfo
) -> list[HistoryLine]:
    """The request's audit rows, oldest first, each in a line; notes are left out (the page lists them)."""
    query = (
        select(AuditLog)
        .where(col(AuditLog.entity) == "request", col(AuditLog.entity_id) == request_id)
        .order_by(col(AuditLog.at), col(AuditLog.id))
    )
    rows = (await session.execute(query)).scalars().all()
    names: dict[Any, str] = dict(await staff_names(session))  # those who left too
    client_ids = {row.details.get("client_id") for row in rows if row.action == "request.form"} - {None}
    clients = select(Client.id, Client.name).where(col(Client.id).in_(client_ids))
    named = {f"client:{i}": name for i, name in (await session.execute(clients)).all()}
    lines = []
    for row in rows:
        what = _what(row.action, row.details, {**names, **named}, lang, tz)
        if what is not None:
            lines.append(HistoryLine(row.at, actor_name(row, names, lang), what))
    return lines


def actor_name(row: AuditLog, names: dict[Any, str], lang: str) -> str:
    """Who wrote an audit row: the member by name, okno, or the assistant."""
    if row.actor_kind == "staff":
        return names.get(row.actor_id, f"#{row.actor_id}")
    return text("history.assistant" if row.actor_kind == "assistant" else "history.system", lang)


def _what(action: str, details: dict[str, Any], names: dict[Any, str], lang: str, tz: ZoneInfo) -> str | None:
    def t(key: str) -> str:
        return text(key, lang)

    via = t("history.via_bot") if details.get("via") == "staff_bot" else ""
    if action == "request.open":
        return t("history.open")
    if action == "request.assign":
        reason = details.get("reason")
        why = t(f"history.reason_{reason}") if reason in ("responsible", "round_robin") else ""
        return t("history.assign").format(name=names.get(details.get("assignee_id"), "—")) + why + via
    if action == "request.status":
        line = t("history.status").format(
            old=t(f"status.{details.get('from')}"), new=t(f"status.{details.get('to')}")
        )
        until = details.get("waiting_until")
        return line + (" " + t("history.until").format(date=_local(until, tz)) if until else "")
    if action == "request.wait":
        until = details.get("waiting_until")
        return t("history.wait").format(date=_local(until, tz)) if until else t("history.wait_default")
    if action == "request.form":
        changes = "; ".join(
            _change(field, value, names, lang, tz) for field, value in details.items() if field in FIELDS
        )
        return t("history.form").format(changes=changes)
    if action == "request.fill":  # the fields' names only: the values stand in the form
        filled = ", ".join(t(FIELDS[f]) for f in details.get("fields", []) if f in FIELDS)
        return t("history.fill").format(changes=filled)
    if action == "request.due":
        return t("history.due").format(date=_local(details.get("due_at"), tz)) + via
    if action == "request.rated":
        return t("history.rated").format(rating=details.get("rating"))
    return None  # a note (listed beside), or an action this page does not word


def _change(field: str, value: Any, names: dict[Any, str], lang: str, tz: ZoneInfo) -> str:
    label = text(FIELDS[field], lang)
    if value is None or value == "":
        shown = "—"
    elif field in ("due_at", "waiting_until"):
        shown = _local(value, tz)
    elif field == "assignee_id":
        shown = names.get(value, f"#{value}")
    elif field == "client_id":  # the client the INN named
        shown = names.get(f"client:{value}", f"#{value}")
    else:
        shown = str(value) if len(str(value)) <= WHAT_CHARS else str(value)[:WHAT_CHARS] + "…"
    return f"{label} → {shown}"


def _local(raw: Any, tz: ZoneInfo) -> str:
    try:
        return datetime.fromisoformat(str(raw)).astimezone(tz).strftime("%d.%m.%Y %H:%M")
    except ValueError:
        return str(raw)
