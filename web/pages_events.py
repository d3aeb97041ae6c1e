"""Live updates over SSE: the conversation page hears about new messages in its client's timeline."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import func, or_
from sqlmodel import col, select

from storage.models import Conversation, Message, Request
from web.queries import client_contact_ids, may_see
from web.ui import me, state

POLL_S = 2.0
MAX_S = 600.0  # the browser reconnects by itself; a bounded stream never outlives a shutdown by much


async def _latest(request: web.Request, request_id: int) -> int:
    async with state(request).services.db.session() as session:
        row = await session.get(Request, request_id)
        if row is None or not may_see(me(request), row):
            raise web.HTTPNotFound(text="not found")
        contacts = await client_contact_ids(session, row)
        conversations = select(Conversation.id).where(col(Conversation.contact_id).in_(contacts))
        query = select(func.max(Message.id)).where(
            or_(col(Message.conversation_id).in_(conversations), col(Message.request_id) == request_id)
        )
        return int(await session.scalar(query) or 0)


async def events(request: web.Request) -> web.StreamResponse:
    raw = request.query.get("request", "")
    if not raw.isdigit():
        raise web.HTTPBadRequest(text="request=ID")
    seen = await _latest(request, int(raw))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await response.prepare(request)
    waited = 0.0
    try:
        while waited < MAX_S:
            await asyncio.sleep(POLL_S)
            waited += POLL_S
            latest = await _latest(request, int(raw))
            if latest > seen:
                seen = latest
                await response.write(f"id: {latest}\ndata: new\n\n".encode())
            else:
                await response.write(b": keep-alive\n\n")
    except ConnectionResetError:
        pass
    return response
