"""Time from a "summarize this client" update to the staff bot's answer (loopback Bot API), in two states:

1. the rolling summary is up to date: the answer is the stored summary plus the facts (`p50_s`, target ≤1 s);
2. 10 new messages since: the stored summary and facts are sent at once (first text, target ≤5 s), then the
   model folds the new messages in and the same Telegram message is edited (complete, target ≤25 s).

The model is the configured local GGUF ("auto": the 1.5B when prepared, else the 0.5B); which one ran is
printed. The model is loaded once before timing (a worker keeps it loaded); the load time is printed too.
Last line: one JSON object: `p50_s`, `incremental_first_s`, `incremental_done_s` (null without a model)."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram.types import Update
from aiohttp import web
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from assistant.history import summarize_client
from assistant.llm import ChatRunner
from assistant.local_models import ModelMissing, resolve
from bots.staff.bot import StaffBot
from intake.accept import accept
from okno.services import build_services
from okno.settings import load_settings
from sandbox.telegram import TelegramSandbox
from storage.migrate import upgrade
from storage.models import Client
from storage.repos.accounts import add_channel_account, add_staff
from tests.assistant.fakes import ToolCallingFake, always
from tests.factories import inbound
from workers.analyze import AssistantServices
from workers.staff_delivery import close_staff_bots

TOKEN = "600100200:bench-staff-bot"  # the sandbox bot
ANNA = 90001
HISTORY, NEW, RUNS, INCREMENTAL_RUNS = 50, 10, 20, 2
PHRASES = [
    "Добрый день, когда будет готов акт сверки за квартал?",
    "Пришлите, пожалуйста, счёт на оплату услуг за ноябрь.",
    "Мы всё ещё ждём закрывающие документы, это уже третий раз.",
    "Спасибо, документы получили, всё подписали.",
    "Нужна справка 2-НДФЛ для сотрудника до пятницы.",
]
START = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)


async def _messages(services: Any, start: int, count: int) -> None:
    for n in range(start, start + count):
        text = (
            f"ООО «Ромашка», ИНН 7707083893. {PHRASES[n % len(PHRASES)]}"
            if n == 0
            else PHRASES[n % len(PHRASES)]
        )
        msg = inbound(f"b{n}", text=text, sender="romashka", sent_at=START + timedelta(minutes=n))
        await accept(services.db, msg, policy=services.jobs.policy)


def _update(n: int) -> Update:
    message = {
        "message_id": n,
        "from": {"id": ANNA, "is_bot": False, "first_name": "Анна"},
        "chat": {"id": ANNA, "type": "private"},
        "date": int(time.time()),
        "text": "/client 7707083893",
        "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
    }
    return Update.model_validate({"update_id": n, "message": message}, context={})


async def _ask(bot: StaffBot, api: TelegramSandbox, n: int) -> tuple[float, float | None]:
    """Seconds to the first sendMessage and to the editMessageText (None when no edit was needed)."""
    before = len(api.calls)
    started = time.time()
    await bot.feed_raw(_update(n))
    calls = [c for c in api.calls[before:] if c.ok]
    first = next(c.at for c in calls if c.method == "sendMessage") - started
    done = next((c.at for c in calls if c.method == "editMessageText"), None)
    return first, (done - started) if done is not None else None


async def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="okno-bench-staffbot-") as tmp:
        settings = load_settings(
            data_dir=Path(tmp),
            database_url=f"sqlite+aiosqlite:///{tmp}/okno.db",
            queue={"backend": "inline"},
        )
        services = await build_services(settings, backend="inline")
        await upgrade(services.db)
        api = TelegramSandbox()
        api.add_bot(TOKEN, "bench_staff_bot")
        runner = web.AppRunner(api.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        async with services.db.session() as session:
            await add_channel_account(
                session,
                box=services.box,
                channel="telegram_staff",
                name="staff",
                config={"api_base": f"http://127.0.0.1:{port}"},
                secrets={"bot_token": TOKEN},
            )
            await add_staff(session, name="Анна Петрова", role="manager", telegram_user_id=ANNA)
            await session.commit()
        app = services.jobs
        try:
            return await _measure(services, app, api)
        finally:
            await close_staff_bots(app)
            await services.close()
            await runner.cleanup()


async def _measure(services: Any, app: Any, api: TelegramSandbox) -> dict[str, Any]:
    await _messages(services, 0, HISTORY)
    async with services.db.session() as session:
        client_id = (await session.execute(Client.__table__.select())).first().id  # type: ignore[attr-defined]
    # The stored summary, up to date (written by a fake model: this state measures no model call).
    fake = ChatRunner(
        ToolCallingFake(
            responder=always(
                {
                    "points": [
                        {
                            "section": "recent",
                            "text": "Акт сверки, счёт за ноябрь, 2-НДФЛ",
                            "cites": [1, 2, 5],
                        },
                        {"section": "mood", "text": "Недоволен задержкой документов", "cites": [3]},
                    ]
                }
            )
        )
    )
    await summarize_client(services.db, fake, client_id)
    bot = StaffBot(app)
    up_to_date = [(await _ask(bot, api, n))[0] for n in range(1, RUNS + 1)]
    result: dict[str, Any] = {
        "p50_s": round(statistics.median(up_to_date), 4),
        "p95_s": round(sorted(up_to_date)[int(0.95 * (RUNS - 1))], 4),
        "history_messages": HISTORY,
        "new_messages": NEW,
    }
    print(
        f"summary up to date: p50 {result['p50_s']:.3f}s over {RUNS} updates ({HISTORY} messages)", flush=True
    )
    try:
        path = resolve("auto")
    except ModelMissing as exc:
        print(f"no local model: {exc}", flush=True)
        return {**result, "model": None, "incremental_first_s": None, "incremental_done_s": None}
    settings = services.settings.llm.model_copy(update={"enabled": True})
    loaded = time.perf_counter()
    runner = ChatRunner.from_settings(settings)
    await runner.run(_Ping, _ping(), chain="warmup")  # loads the weights
    load_s = time.perf_counter() - loaded
    app.extras["assistant"] = AssistantServices(runner, app.policy.tz)
    print(f"model {path.name} loaded in {load_s:.1f}s (threads {settings.n_threads})", flush=True)
    firsts, dones = [], []
    for run in range(INCREMENTAL_RUNS):
        await _messages(services, HISTORY + run * NEW, NEW)
        first, done = await _ask(bot, api, 1000 + run)
        firsts.append(first)
        dones.append(done if done is not None else float("nan"))
        print(
            f"{NEW} new messages: first text {first:.2f}s, complete {done and round(done, 2)}s",
            flush=True,
        )
    return {
        **result,
        "model": path.name,
        "model_load_s": round(load_s, 2),
        "incremental_first_s": round(statistics.median(firsts), 3),
        "incremental_done_s": round(statistics.median(dones), 2),
        "incremental_runs": INCREMENTAL_RUNS,
    }


class _Ping(BaseModel):
    ok: bool


def _ping() -> list[Any]:
    return [SystemMessage("Answer with ok=true."), HumanMessage("ping")]


if __name__ == "__main__":
    figures = asyncio.run(main())
    print(json.dumps(figures, ensure_ascii=False))
