"""`okno demo --no-serve` end to end on embedded defaults: the report's figures come from the real path."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from okno.demo.runner import run_demo


# every scenario, the assistant's on a real model: ~70 s on two quiet Intel cores, 423 s on two 2 GHz AMD
# EPYC ones (2026-12-05)
@pytest.mark.timeout(1200)
async def test_demo_runs_every_scenario_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the 0.5B model the test set-up prepares (`make demo` prepares and picks the 1.5B one)
    monkeypatch.setenv("OKNO_LLM__MODEL", "0.5b")
    result = await run_demo(data_dir=tmp_path / "demo", serve=False, stop=asyncio.Event())
    api = result["scenarios"]["api"]
    assert set(api["posted"]) == {202} and len(api["posted"]) >= 15
    assert (api["retry"], api["broken"], api["wrong_token"]) == (202, 422, 401)
    # okno asked the client of the request done, and their «5, спасибо!» rated it (it stayed done)
    assert api["rating"]["asked"] >= 1 and (api["rating"]["rating"], api["rating"]["status"]) == (5, "done")
    # the supervisor's saved reply, sent by its code, reached the client filled in
    assert api["saved_reply"].startswith("Сергей Лебедев, добрый день! Для возврата НДС нужны")
    assert "Заявку #" in api["saved_reply"] and "ведёт Анна Петрова" in api["saved_reply"]
    # Viber: the client's request filled its form, their picture was fetched into blob storage while the link
    # worked, and the manager's answer left as send_message and came back delivered, then seen (read)
    viber = result["scenarios"]["viber"]
    assert viber["deliveries"] == [200, 200] and viber["request_id"]
    assert (viber["company"], viber["inn"], viber["due"]) == ("ООО «Полесье»", "7704128391", True)
    assert len(viber["pictures"]) == 1 and viber["pictures"][0].startswith("image:")
    assert "not yet" not in viber["pictures"][0]
    assert viber["replied"] and viber["reply_statuses"] == ["delivered", "read"]
    # the manager's answer reached the Telegram chat, whichever request the message joined
    assert result["scenarios"]["telegram"]["replied"] and result["scenarios"]["telegram"]["sent"] >= 2
    counts = result["counts"]
    assert counts["merges"] >= 1 and counts["webhooks"] >= 2
    assert counts["raw_duplicate"] >= 1 and counts["raw_anomalous"] >= 1
    assert counts["requests"] >= 7 and counts["clients"] >= 5
    assistant = result["scenarios"]["assistant"]  # ran on the real model: a summary with citations
    assert "skipped" not in assistant and assistant["summary_points"] >= 1
    assert isinstance(assistant["alerts"], int) and isinstance(assistant["tasks"], int)
    # a summary, a question answered from the retrieval index, a task created on ✅, an SLA alert taken, a
    # silent client told to the manager who waits for them
    staffbot = result["scenarios"]["staffbot"]
    assert staffbot == {
        "summary_sent": True,
        "answered": True,
        "tasks": 1,
        "alert_acked": True,
        "silent_told": True,
        "task_due_his_time": True,
    }
    # the holiday notice to everyone who wrote in Telegram, WhatsApp or Viber this month, each in their own
    # chat, filled in
    broadcast = result["scenarios"]["broadcast"]
    assert broadcast["by_channel"].keys() == {"telegram", "whatsapp", "viber"}
    assert broadcast["by_channel"]["viber"] == 1 and broadcast["recipients"] >= 3
    assert broadcast["delivery"] == {"sent": broadcast["recipients"]}
    assert (
        broadcast["sample"] is not None and ", добрый день! С 31 декабря по 8 января" in broadcast["sample"]
    )
    assert not broadcast["sample"].startswith("{")
    # and the monthly reminder, scheduled for 09:00 on the 1st in the company's time, not sent during the demo
    reminder = broadcast["reminder"]
    first = datetime.fromisoformat(reminder["send_at"])
    assert reminder["repeat"] == "monthly" and (first.day, first.hour, first.minute) == (1, 9, 0)
    assert first > datetime.now(first.tzinfo)
