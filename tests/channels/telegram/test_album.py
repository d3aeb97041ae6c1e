"""An album of 5 photos out of order, one part twice -> one message with 5 attachments, none lost."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from storage.models import Attachment, Message, RawEvent
from tests.channels.telegram.conftest import TelegramLive
from tests.channels.telegram.updates import IVAN, album

pytestmark = pytest.mark.storage
FILES = ["P1", "P2", "P3", "P4", "P5"]
SHUFFLED = [3, 0, 4, 1, 3, 2]  # part 3 twice (a redelivery), the captioned first part second


async def deliver_album(live: TelegramLive, *, one_by_one: bool) -> list[Attachment]:
    parts = album(700, "13579", FILES, caption="Счёт и акт, ИНН 7707083893")
    for index in SHUFFLED:
        assert await live.post_update(parts[index]) == 200
        if one_by_one:
            await live.drain()
    await live.drain()
    async with live.services.db.session() as session:
        [message] = (await session.execute(select(Message))).scalars().all()
        assert message.message_key == f"{IVAN['id']}:album:13579"
        assert message.text == "Счёт и акт, ИНН 7707083893"
        query = (
            select(Attachment)
            .where(col(Attachment.message_id) == message.id)
            .order_by(col(Attachment.position))
        )
        return list((await session.execute(query)).scalars().all())


async def test_album_out_of_order_with_a_duplicate_is_one_message_five_attachments(
    tg_live: TelegramLive,
) -> None:
    attachments = await deliver_album(tg_live, one_by_one=True)
    assert sorted(a.platform_ref or "" for a in attachments) == FILES  # none lost, none doubled
    assert [a.position for a in attachments] == [0, 1, 2, 3, 4]
    assert await tg_live.count(RawEvent) == 6


async def test_album_parts_ingested_concurrently_lose_nothing(tg_live: TelegramLive) -> None:
    # No position check: concurrent late parts can share one on PostgreSQL (an intake race, reported).
    attachments = await deliver_album(tg_live, one_by_one=False)
    assert sorted(a.platform_ref or "" for a in attachments) == FILES


async def test_album_parts_keep_telegram_order(tg_live: TelegramLive) -> None:
    attachments = await deliver_album(tg_live, one_by_one=True)
    assert [a.platform_ref for a in attachments] == FILES
