"""Builders for test inputs: real InboundMessages and API bodies, with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from intake.schema import InboundMessage, Sender
from storage.db import Database
from storage.models import Client, Conversation, Request

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tuesday 10:00 in Moscow


def inbound(
    event_id: str = "e1",
    *,
    text: str | None = "Добрый день",
    sender: str = "u1",
    phone: str | None = None,
    email: str | None = None,
    name: str | None = "Клиент",
    message_key: str | None = None,
    conversation_key: str | None = None,
    channel: str = "api",
    account: str = "site",
    sent_at: datetime = NOW,
    **extra: Any,
) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        account=account,
        event_id=event_id,
        message_key=message_key or event_id,
        conversation_key=conversation_key or sender,
        sender=Sender(external_id=sender, display_name=name, phone=phone, email=email),
        sent_at=sent_at,
        text=text,
        **extra,
    )


def api_body(
    event_id: str = "e1",
    *,
    text: str = "Добрый день",
    sender: str = "u1",
    phone: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    who: dict[str, Any] = {"id": sender, "name": "Клиент", **({"phone": phone} if phone else {})}
    return {"event_id": event_id, "sender": who, "text": text, **extra}


async def client_owning_all(db: Database, client: Client, *, what: str, due_at: datetime) -> int:
    """Stores the client and makes every conversation and request so far its own (each request with this
    `what` and deadline); returns the client's id."""
    async with db.session() as session, session.begin():
        session.add(client)
        await session.flush()
        for conversation in (await session.execute(select(Conversation))).scalars():
            conversation.client_id = client.id
        for request in (await session.execute(select(Request))).scalars():
            request.client_id, request.what, request.due_at = client.id, what, due_at
        return client.id or 0
