"""Rows the benches seed straight into the database (no intake: they measure what comes after it)."""

from __future__ import annotations

from datetime import datetime

from storage.models import Message


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
