"""Rows the benches seed straight into the database (no intake: they measure what comes after it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Client, Contact, Conversation, Message


def client_text(conversation_id: int, key: str, text: str, at: datetime, *, account: str = "site") -> Message:
    """An inbound text message of an API-channel conversation."""
    return Message(
        conversation_id=conversation_id,
        channel="api",
        account=account,
        message_key=key,
        direction="inbound",
        kind="text",
        text=text,
        sent_at=at,
    )


async def client_chat(
    session: AsyncSession, *, client: str, contact: str, account: str, key: str
) -> tuple[Client, Contact, Conversation]:
    """A client company with one contact and that contact's API-channel conversation, flushed (ids set)."""
    person = Contact(display_name=contact)
    company = Client(name=client, inn="7707083893")
    session.add_all([person, company])
    await session.flush()
    chat = Conversation(
        channel="api", account=account, conversation_key=key, contact_id=person.id or 0, client_id=company.id
    )
    session.add(chat)
    await session.flush()
    return company, person, chat
