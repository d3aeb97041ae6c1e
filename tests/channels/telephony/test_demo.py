"""The demo's telephony scenario on the demo stage: both calls arrive, the forged webhook is refused, both
recordings are fetched and transcribed with both speakers; the threat to leave is in the client's words."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from okno.demo.scenarios import telephony
from okno.demo.stage import open_stage
from storage.models import TranscriptSegment


async def test_telephony_scenario(tmp_path: Path) -> None:
    stage = await open_stage(tmp_path)
    try:
        result = await telephony.run(stage)
        async with stage.services.db.session() as session:
            query = select(TranscriptSegment).where(col(TranscriptSegment.speaker) == "client")
            client_words = " ".join(s.text for s in (await session.execute(query)).scalars()).lower()
    finally:
        await stage.close()
    assert set(result["webhooks"]) == {200} and result["forged"] == 403
    assert sorted(result["recordings_served"]) == ["calm", "tense"]
    for call in result["calls"].values():
        assert call["status"] == "done" and call["segments"] >= 2 and call["request_id"] is not None
    assert "поставщик" in client_words
