"""Internal notes on a request: staff-only text, listed beside the timeline, never sent to the client."""

from __future__ import annotations

from aiohttp import web

from storage.models import Request
from storage.repos.notes import add_note
from web.queries import may_see
from web.ui import flash, me, redirect, state

NOTE_MAX = 4000


async def note_add(request: web.Request) -> web.Response:
    form = await request.post()
    body = str(form.get("text", "")).strip()[:NOTE_MAX]
    raw = request.match_info["id"]
    async with state(request).services.db.session() as session:
        row = await session.get(Request, int(raw)) if raw.isdigit() else None
        if row is None or not may_see(me(request), row):
            raise web.HTTPNotFound(text="not found")
        if not body:
            flash(request, "notes.empty")
            raise redirect(f"/ui/requests/{row.id}#notes")
        await add_note(session, request_id=row.id or 0, text=body, author_staff_id=me(request).id)
        await session.commit()
    flash(request, "notes.added")
    raise redirect(f"/ui/requests/{row.id}#notes")
