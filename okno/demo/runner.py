"""`okno demo`: embedded defaults, every scenario, a report, then (unless --no-serve) keep serving."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from okno.demo.report import print_report
from okno.demo.scenarios import api, broadcast, email, staffbot, telegram, telephony, viber, whatsapp
from okno.demo.scenarios import assistant as assistant_scenario
from okno.demo.stage import open_stage

# One per channel; later channel issues append theirs.
SCENARIOS = [
    ("api", api.run),
    ("whatsapp", whatsapp.run),
    ("viber", viber.run),
    ("telegram", telegram.run),
    ("email", email.run),
    ("telephony", telephony.run),
    ("assistant", assistant_scenario.run),  # after the channels: it reads their messages
    ("staffbot", staffbot.run),  # the staff bot on everything above: a summary, a task, an alert
    ("broadcast", broadcast.run),  # last: its notice is in every client's history from then on
]


async def run_demo(
    *,
    data_dir: Path | None,
    serve: bool,
    stop: asyncio.Event,
    port: int | None = None,
    assistant: bool = True,
) -> dict[str, Any]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="okno-demo-") as tmp:
        directory = data_dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        print(f"okno demo: data in {directory} (SQLite, inline queue, sandbox in-process)", flush=True)
        stage = await open_stage(directory, port=port)
        stage.assistant = assistant
        try:
            results = {}
            for name, scenario in SCENARIOS:
                results[name] = await scenario(stage)
            counts = await print_report(
                stage.services.db,
                stage.services.settings.company.tz,
                stage.say,
                webhooks=len(stage.receiver.received),
            )
            print(f"\ndemo finished in {time.monotonic() - started:.1f}s", flush=True)
            if serve:
                print(
                    f"serving on {stage.base_url} (staff API token: {stage.staff_token}); Ctrl-C to stop\n"
                    f"web UI: {stage.base_url}/ui/  login «Анна Петрова» (manager) or «Виктор Зайцев» "
                    f"(supervisor), password: {stage.web_password}",
                    flush=True,
                )
                await stop.wait()
            return {"scenarios": results, "counts": counts}
        finally:
            await stage.close()
