"""The index_message job: a client's messages and call transcript segments into the vector index, so the
assistant can answer questions about a client's history ("что Ромашка спрашивала про счета в октябре?");
and `reindex`, the same for everything stored (`okno reindex`).

Runs on the "llm" queue only when the assistant is enabled (the embedding model costs CPU). Items are upserted
by id ("message:42", "segment:7"), so an edited message or a new transcript replaces its old entries."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from assistant.config import LlmSettings
from assistant.rag import index_from, message_item, segment_item
from storage.db import Database
from storage.models import Conversation, Message, Request, Staff
from storage.repos.calls import call_transcript
from storage.vectors import IndexedText, VectorIndex
from workers.context import JobContext, services

log = logging.getLogger(__name__)


def index_of(app: JobContext) -> VectorIndex | None:
    """One index per process, built on first use when the assistant is enabled (or put in extras by tests)."""
    found = app.extras.get("vector_index")
    if found is not None:
        return found  # type: ignore[no-any-return]
    settings = app.extras.get("llm")
    if not isinstance(settings, LlmSettings) or not settings.enabled:
        return None
    data_dir = app.extras.get("data_dir")
    built = index_from(settings, Path(data_dir) if data_dir else Path(".okno"))
    app.extras["vector_index"] = built
    return built


async def items_of(app: JobContext, message_id: int) -> list[IndexedText]:
    """What one message contributes: its text, or a call's transcript segments (speaker-labelled)."""
    async with app.db.session() as session:
        message = await session.get(Message, message_id)
        return [] if message is None else await message_items(session, message, app.policy.tz)


async def message_items(session: AsyncSession, message: Message, tz: tzinfo) -> list[IndexedText]:
    message_id = message.id or 0
    conversation = await session.get(Conversation, message.conversation_id)
    client_id = conversation.client_id if conversation and conversation.client_id else 0
    if not client_id and message.request_id is not None:
        # a contact's chat joined to a client's request (the client history counts it the same way:
        # assistant/history.py): the demo's «акт сверки нужен с ООО «Поставщик-М»» from a Viber contact
        # merged into the client's one, whose chat has no client, was left out of the client's answers
        request = await session.get(Request, message.request_id)
        client_id = request.client_id if request and request.client_id else 0
    contact_id = conversation.contact_id if conversation else 0
    local = message.sent_at.astimezone(tz)  # the staff's calendar: "в октябре" is theirs
    if message.kind != "call":
        if not (message.text or "").strip():
            return []
        staff = await session.get(Staff, message.author_staff_id) if message.author_staff_id else None
        item = message_item(
            message_id=message_id,
            client_id=client_id,
            text=message.text or "",
            at=local,
            channel=message.channel,
            author="client" if message.direction == "inbound" else (staff.name if staff else "staff"),
        )
        return [_with_contact(item, contact_id)]
    _call, segments = await call_transcript(session, message_id=message_id)
    return [
        _with_contact(
            segment_item(
                segment_id=segment.id or 0,
                message_id=message_id,
                client_id=client_id,
                text=f"{segment.speaker}: {segment.text}",
                at=local,
            ),
            contact_id,
        )
        for segment in segments
        if segment.text.strip()
    ]


def _with_contact(item: IndexedText, contact_id: int) -> IndexedText:
    """Contacts without a company are searchable too: retrieval filters by client_id or contact_id."""
    return IndexedText(item.id, item.text, {**item.metadata, "contact_id": contact_id})


async def index_message(ctx: Mapping[str, Any], message_id: int) -> str:
    app = services(ctx)
    index = index_of(app)
    if index is None:
        return "off"
    items = await items_of(app, message_id)
    if not items:
        return "nothing"
    await asyncio.to_thread(index.add, items)  # embedding is CPU work: off the event loop
    return f"indexed {len(items)}"


@dataclass(frozen=True)
class Reindexed:
    messages: int  # read from the database
    items: int  # put into the index (a call gives one per transcript segment; an empty message none)
    seconds: float


async def reindex(
    db: Database,
    index: VectorIndex,
    tz: tzinfo,
    *,
    client_id: int | None = None,
    batch: int = 200,
    progress: Callable[[Reindexed], None] | None = None,
) -> Reindexed:
    """Every stored message and call transcript into the index, oldest first, a batch at a time: the history
    from before the assistant was enabled, or all of it after a change of embedding model. Entries are
    upserted by id, so it can run beside the workers and again after an interruption."""
    started, last, messages, items = time.monotonic(), 0, 0, 0
    while True:
        query = select(Message).where(col(Message.id) > last).order_by(col(Message.id)).limit(batch)
        if client_id is not None:
            query = query.join(Conversation, col(Conversation.id) == col(Message.conversation_id)).where(
                col(Conversation.client_id) == client_id
            )
        async with db.session() as session:
            rows = (await session.execute(query)).scalars().all()
            found = [item for message in rows for item in await message_items(session, message, tz)]
        if not rows:
            break
        await asyncio.to_thread(index.add, found)  # embedding is CPU work: off the event loop
        last, messages, items = rows[-1].id or 0, messages + len(rows), items + len(found)
        if progress is not None:
            progress(Reindexed(messages, items, time.monotonic() - started))
    return Reindexed(messages, items, time.monotonic() - started)
