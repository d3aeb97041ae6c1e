"""The WhatsApp demo scenario on the demo's stage: its traffic goes the real path and its figures say so."""

from __future__ import annotations

from pathlib import Path

from okno.demo.scenarios import whatsapp
from okno.demo.stage import open_stage


async def test_whatsapp_scenario(tmp_path: Path) -> None:
    stage = await open_stage(tmp_path)
    try:
        result = await whatsapp.run(stage)
    finally:
        await stage.close()
    assert result["deliveries"] == [200, 200, 200, 403, 200, 200, 200]
    assert sorted(m.split(":")[0] for m in result["media"]) == ["document", "voice"]
    assert all("not yet" not in m for m in result["media"])
    assert (result["reply_status"], result["outside_window"], result["template"]) == (
        "read",
        "failed",
        "sent",
    )
