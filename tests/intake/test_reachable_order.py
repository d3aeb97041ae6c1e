"""Whether a client can be written to follows the platform's own times, not the order okno ingests events
in: a Viber message queued before the client unsubscribed, ingested after it, does not subscribe them again
(the ingest jobs of one webhook burst run concurrently); a newer message does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import InboundMessage
from storage.db import Database
from storage.models import ChannelIdentity
from tests.factories import NOW, inbound

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()


def _viber(event: str, minutes: int, **fields: Any) -> InboundMessage:
    at = NOW + timedelta(minutes=minutes)
    return inbound(event, channel="viber", account="main", sender="01234567890A=", sent_at=at, **fields)


async def _reachable(db: Database) -> bool:
    async with db.session() as session:
        query = select(ChannelIdentity.reachable).where(col(ChannelIdentity.external_id) == "01234567890A=")
        return bool((await session.execute(query)).scalars().one())


@pytest.mark.parametrize("in_order", [True, False])
async def test_an_older_event_ingested_later_changes_nothing(db: Database, in_order: bool) -> None:
    wrote = _viber("m1", 0, text="Нужен акт", status="reachable")
    left = _viber("u1", 5, kind="system", text="Клиент отписался", status="unreachable")
    for message in (wrote, left) if in_order else (left, wrote):
        await accept(db, message, policy=POLICY)
    assert await _reachable(db) is False
    await accept(db, _viber("m2", 10, text="Я снова здесь", status="reachable"), policy=POLICY)
    assert await _reachable(db) is True
