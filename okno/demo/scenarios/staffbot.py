"""The staff bot on the demo's data, on a loopback Bot API: a manager asks for a client summary and a question
about that client (answered by retrieval over the history, with citations), a supervisor turns a Russian
sentence into a task (created on ✅, the assignee told), and an SLA alert is acknowledged
with «Беру» (the clock moved a week on, so the unanswered requests are past their SLA in business time); and
a request the manager set waiting for the client's documents, silent that week, is told to her."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import Update
from aiohttp import web
from sqlmodel import col, select

from assistant.rag import index_from
from bots.staff.bot import StaffBot
from bots.staff.texts import say
from okno.demo.stage import Stage
from sandbox.telegram import TelegramSandbox
from storage.models import Alert, Request, Staff, Task
from storage.repos.accounts import add_channel_account
from storage.repos.requests import wait_for_client
from workers.client_wait import silent_clients
from workers.indexing import reindex
from workers.notify import check_sla, notify_alert
from workers.staff_delivery import close_staff_bots, staffbot_settings

TOKEN = "700300400:AAF-demo-okno-staff-bot"  # noqa: S105 (the sandbox bot, not a real one)
ANNA, VIKTOR = 81001, 81002
KRASNOYARSK = ZoneInfo("Asia/Krasnoyarsk")
_ids = itertools.count(1)


class Chat:
    """A person writing to the staff bot; returns what the bot said (sent and edited texts)."""

    def __init__(self, stage: Stage, api: TelegramSandbox, bot: StaffBot, user_id: int, name: str) -> None:
        self.stage, self.api, self.bot, self.user_id = stage, api, bot, user_id
        first, last = name.split()
        self.user = {"id": user_id, "is_bot": False, "first_name": first, "last_name": last}

    async def _feed(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.api.calls)
        await self.bot.feed_raw(Update.model_validate({"update_id": next(_ids), **body}, context={}))
        return [{"method": c.method, **c.params} for c in self.api.calls[before:] if c.ok]

    async def write(self, text: str) -> list[dict[str, Any]]:
        self.stage.say(f"  {self.user['first_name']} → бот: {text}")
        message = {
            "message_id": next(_ids),
            "from": self.user,
            "chat": {"id": self.user_id, "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._said(await self._feed({"message": message}))

    async def press(self, data: str, label: str, message_id: int) -> list[dict[str, Any]]:
        self.stage.say(f"  {self.user['first_name']} нажимает «{label}»")
        chat = {"id": self.user_id, "type": "private"}
        bot_message = {"message_id": message_id, "chat": chat, "date": int(time.time()), "text": "…"}
        query = {
            "id": f"q{next(_ids)}",
            "from": self.user,
            "chat_instance": "demo",
            "data": data,
            "message": bot_message,
        }
        return self._said(await self._feed({"callback_query": query}))

    def _said(self, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for call in calls:
            if call["method"] in ("sendMessage", "editMessageText"):
                verb = "бот" if call["method"] == "sendMessage" else "бот (правка)"
                to = "" if str(call["chat_id"]) == str(self.user_id) else f" [→ {call['chat_id']}]"
                self.stage.say(f"  {verb}{to}: " + str(call["text"]).replace("\n", "\n      "))
        return calls


def _button(call: dict[str, Any], label: str) -> str:
    rows = call.get("reply_markup", {}).get("inline_keyboard", [])
    return str(next(b["callback_data"] for row in rows for b in row if b["text"] == label))


async def run(stage: Stage) -> dict[str, Any]:
    api = TelegramSandbox()
    api.add_bot(TOKEN, "okno_staff_demo_bot")
    runner = web.AppRunner(api.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stage.runners.append(runner)
    api_base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    app = stage.services.jobs
    async with stage.services.db.session() as session:
        await add_channel_account(
            session,
            box=stage.services.box,
            channel="telegram_staff",
            name=staffbot_settings(app).account,
            config={"api_base": api_base, "mode": "webhook"},
            secrets={"bot_token": TOKEN, "webhook_secret": "demo"},
        )
        staff = {s.name: s for s in (await session.execute(select(Staff))).scalars()}
        staff["Анна Петрова"].telegram_user_id, staff["Виктор Зайцев"].telegram_user_id = ANNA, VIKTOR
        await session.commit()
    stage.say(
        f"[staffbot] the staff bot (its own token, channel telegram_staff) on the loopback Bot API {api_base}"
    )
    app.extras["staffbot"] = staffbot_settings(app).model_copy(update={"web_url": stage.base_url})
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # an INFO line per update
    if stage.assistant:
        await _index_history(stage)
    bot = StaffBot(app)
    anna = Chat(stage, api, bot, ANNA, "Анна Петрова")
    viktor = Chat(stage, api, bot, VIKTOR, "Виктор Зайцев")
    try:
        summary = await anna.write("что с Ромашкой?")
        # a question after the summary: retrieval over that client's history, answered with citations
        answer = await anna.write("С каким поставщиком нужен акт сверки?")
        stage.say(
            "[staffbot] Виктор руководит из филиала в Красноярске: его «до пятницы» — пятница по Красноярску"
        )
        await viktor.write("/tz Красноярск")
        card = await viktor.write("поставь Анне задачу позвонить в Ромашку до пятницы")
        proposal = next(c for c in card if c["method"] == "sendMessage")
        await viktor.press(_button(proposal, "✅ Создать"), "✅ Создать", proposal.get("message_id", 1001))
        acked = await _sla_alert(stage, viktor)
        silent_told = await _silent_client(stage, anna)
        async with stage.services.db.session() as session:
            tasks = (await session.execute(select(Task))).scalars().all()
    finally:
        await close_staff_bots(app)
    his_dues = [t.due_at.astimezone(KRASNOYARSK) for t in tasks if t.due_at]
    replies = [str(c["text"]) for c in answer if c["method"] == "sendMessage"]
    answered = bool(replies) and say("ask_off") not in replies  # the off text: no model, or no index
    return {
        "summary_sent": bool(summary),
        "answered": answered,
        "tasks": len(tasks),
        "alert_acked": acked,
        "silent_told": silent_told,
        # the deadline Viktor wrote is the end of his Friday in Krasnoyarsk (Anna is told it in Moscow time)
        "task_due_his_time": [(d.weekday(), d.hour) for d in his_dues] == [(4, 18)],
    }


async def _index_history(stage: Stage) -> None:
    """The retrieval index the staff bot answers questions from. The demo leaves OKNO_LLM__ENABLED off, so
    that the channel scenarios do not wait on the model, and with it the indexing of each new message: the
    stored history goes in at once, as `okno reindex` does."""
    settings = stage.services.settings
    index = await asyncio.to_thread(index_from, settings.llm, settings.data_dir)
    done = await reindex(stage.services.db, index, settings.company.tz)
    stage.services.jobs.extras["vector_index"] = index
    stage.say(f"[staffbot] retrieval index: {done.messages} messages as {done.items} entries")


async def _sla_alert(stage: Stage, viktor: Chat) -> bool:
    app = stage.services.jobs
    real_clock = app.clock
    app.clock = lambda: (
        real_clock() + timedelta(days=7)
    )  # a week on: the unanswered requests are past the SLA
    try:
        opened = await check_sla(app)
        async with stage.services.db.session() as session:
            alert = (
                (await session.execute(select(Alert).where(col(Alert.kind) == "sla_breach")))
                .scalars()
                .first()
            )
        stage.say(f"[staffbot] a week later: {opened} request(s) past the SLA in business time → alerts")
        if alert is None:
            return False
        before = len(viktor.api.calls)
        await notify_alert({"okno": app}, alert.id or 0)
        sent = [c for c in viktor.api.calls[before:] if c.ok and str(c.params.get("chat_id")) == str(VIKTOR)]
        if not sent:
            return False
        viktor._said([{"method": "sendMessage", **sent[0].params}])
        await viktor.press(_button({"reply_markup": sent[0].params["reply_markup"]}, "Беру"), "Беру", 1002)
        async with stage.services.db.session() as session:
            stored = await session.get(Alert, alert.id)
        return stored is not None and stored.status == "acked"
    finally:
        app.clock = real_clock


async def _silent_client(stage: Stage, anna: Chat) -> bool:
    """Анна asked the client for documents and set the request waiting for them; a week on, not a word: the
    bot tells her (the company's two business days are long past)."""
    app = stage.services.jobs
    async with stage.services.db.session() as session:
        staff = (
            (await session.execute(select(Staff).where(col(Staff.telegram_user_id) == ANNA))).scalars().one()
        )
        open_now = (
            select(Request).where(col(Request.status).in_(("new", "in_work"))).order_by(col(Request.id))
        )
        requests = (await session.execute(open_now)).scalars().all()
        request = next((r for r in requests if r.assignee_id == staff.id), requests[0] if requests else None)
        if request is None:
            return False
        request.assignee_id = staff.id
        await wait_for_client(session, request=request, at=app.clock(), staff_id=staff.id, until=None)
        await session.commit()
    stage.say(
        f"[staffbot] Анна waits for the client's documents on request #{request.id} (status «ждём клиента»)"
    )
    real_clock = app.clock
    app.clock = lambda: real_clock() + timedelta(days=7)
    before = len(anna.api.calls)
    try:
        told = await silent_clients(app)
    finally:
        app.clock = real_clock
    sent = [c for c in anna.api.calls[before:] if c.ok and str(c.params.get("chat_id")) == str(ANNA)]
    stage.say("[staffbot] a week later, not a word from the client:")
    anna._said([{"method": "sendMessage", **c.params} for c in sent])
    return told > 0 and bool(sent)
