"""`okno demo`'s Telegram scenario on a real stage: every delivery accepted, the wrong secret refused, the
album merged with its files fetched, the greeting and the manager's reply sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from okno.demo.scenarios import telegram
from okno.demo.stage import open_stage
from storage.models import Attachment, Message, Request

pytestmark = pytest.mark.storage


async def test_telegram_demo_scenario(tmp_path: Path) -> None:
    stage = await open_stage(tmp_path)
    try:
        result = await telegram.run(stage)
        async with stage.services.db.session() as session:
            album = (
                (await session.execute(select(Message).where(col(Message.message_key).contains(":album:"))))
                .scalars()
                .one()
            )
            files = (
                (await session.execute(select(Attachment).where(col(Attachment.message_id) == album.id)))
                .scalars()
                .all()
            )
            origins = (await session.execute(select(Request.origin_channel))).scalars().all()
    finally:
        await stage.close()
    assert result["deliveries"] == [200] * 8
    assert result["client_dialogue_said"] == 1 and result["sent"] == 2  # the greeting and the manager's reply
    assert len(result["replied"]) == 1 and result["files_fetched"] == 1
    assert len(files) == 3 and all(f.blob_sha256 for f in files)
    assert "ИНН 7736207543" in (album.text or "")
    assert origins.count("telegram") == 3  # the private chat and one per group employee
