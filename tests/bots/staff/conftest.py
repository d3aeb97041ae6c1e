"""The staff bot against the loopback Bot API: a telegram_staff account, four staff members, a dispatcher fed
real Update objects, and helpers to write as a person or press a button."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram.types import Update
from langchain_core.messages import BaseMessage

from assistant.llm import ChatRunner
from bots.staff.bot import StaffBot
from intake.accept import accept
from intake.policy import IntakePolicy
from okno.services import Services
from sandbox.telegram import TelegramSandbox
from storage.models import Alert, Client, Request, Staff
from storage.repos.accounts import add_channel_account, add_staff
from storage.repos.requests import set_field
from tests.assistant.fakes import ToolCallingFake
from tests.conftest import start_app
from tests.factories import NOW, inbound
from workers.analyze import AssistantServices
from workers.staff_delivery import close_staff_bots
from workers.staffbot_config import StaffBotSettings

TOKEN = "555000111:AAStaff-bot-token-for-the-sandbox"
FORUM = -1009000000001
SUPERVISORS_CHAT = -1009000000002
DATE = 1795503600  # 2026-11-24 07:00 UTC, a Tuesday
# name, role, Telegram user id
PEOPLE = (
    ("Анна Петрова", "manager", 7001),
    ("Иван Соколов", "manager", 7002),
    ("Виктор Зайцев", "supervisor", 7003),
    ("Ольга Миронова", "admin", 7004),
)
OUTSIDER = 9999


@dataclass
class StaffDesk:
    services: Services
    api: TelegramSandbox
    bot: StaffBot
    staff: dict[str, Staff]
    now: datetime = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def app(self) -> Any:
        return self.services.jobs

    def user(self, tg_id: int) -> dict[str, Any]:
        name = next((p[0] for p in PEOPLE if p[2] == tg_id), "Посторонний Человек")
        first, last = name.split()
        return {"id": tg_id, "is_bot": False, "first_name": first, "last_name": last}

    async def feed(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """One update through the dispatcher; the Bot API calls it made, in order."""
        before = len(self.api.calls)
        update = Update.model_validate({"update_id": next(self.ids) + 1000, **body}, context={})
        assert await self.bot.feed_raw(update)
        return [{"method": c.method, **c.params} for c in self.api.calls[before:] if c.ok]

    async def write(
        self, tg_id: int, text: str, *, chat_id: int | None = None, thread: int | None = None, **extra: Any
    ) -> list[dict[str, Any]]:
        chat = (
            {"id": tg_id, "type": "private", "first_name": "x"}
            if chat_id is None
            else {"id": chat_id, "type": "supergroup", "title": "Сотрудники", "is_forum": True}
        )
        message: dict[str, Any] = {
            "message_id": next(self.ids),
            "from": self.user(tg_id),
            "chat": chat,
            "date": DATE,
            "text": text,
            **extra,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        return await self.feed({"message": message})

    async def press(
        self, tg_id: int, data: str, *, message_id: int, chat_id: int | None = None
    ) -> list[dict[str, Any]]:
        chat = {"id": chat_id or tg_id, "type": "private", "first_name": "x"}
        bot_message = {
            "message_id": message_id,
            "from": {"id": 555000111, "is_bot": True, "first_name": "okno"},
            "chat": chat,
            "date": DATE,
            "text": "…",
        }
        query = {
            "id": f"cb{next(self.ids)}",
            "from": self.user(tg_id),
            "chat_instance": "ci",
            "data": data,
            "message": bot_message,
        }
        return await self.feed({"callback_query": query})

    def use_model(self, responder: Callable[[list[BaseMessage], str], dict[str, Any]]) -> ToolCallingFake:
        model = ToolCallingFake(responder=responder)
        self.app.extras["assistant"] = AssistantServices(ChatRunner(model), self.app.policy.tz)
        return model

    async def drain(self) -> None:
        assert self.services.inline is not None
        try:
            await self.services.inline.drain(timeout=8)
        except TimeoutError:
            raise AssertionError(
                f"stuck: {self.services.inline._queued} failed={self.services.inline.failed}"
            ) from None


def texts(calls: list[dict[str, Any]], method: str = "sendMessage") -> list[str]:
    return [c["text"] for c in calls if c["method"] == method]


def buttons(call: dict[str, Any]) -> list[tuple[str, str]]:
    rows = call.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


@pytest.fixture
async def desk(services: Services) -> AsyncIterator[StaffDesk]:
    api = TelegramSandbox()
    api.add_bot(TOKEN, "okno_staff_bot")
    runner, url = await start_app(api.app())
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="telegram_staff",
            name="staff",
            config={"api_base": url, "mode": "webhook"},
            secrets={"bot_token": TOKEN, "webhook_secret": "staff-hook-secret"},
        )
        people = {}
        for name, role, tg_id in PEOPLE:
            people[name.split()[0]] = await add_staff(session, name=name, role=role, telegram_user_id=tg_id)
        await session.commit()
    services.jobs.extras["staffbot"] = StaffBotSettings(
        forum_chat_id=FORUM, escalation_minutes=15, web_url="https://okno.example"
    )
    built = StaffDesk(services, api, StaffBot(services.jobs), people)
    services.jobs.clock = lambda: built.now
    yield built
    await built.bot.drain()
    await close_staff_bots(services.jobs)  # its HTTP session, before the sandbox goes
    await api.close()
    await runner.cleanup()


ANGRY = "ООО «Ромашка», ИНН 7707083893. Сколько можно ждать акт?!"


async def conflict_alert(
    desk: StaffDesk, *, assignee: Staff | None = None, responsible: Staff | None = None
) -> Alert:
    """Ромашка's angry message as a conflict alert on its (answered) request, with that assignee and that
    responsible manager on the client, as the conflict check leaves it."""
    result = await accept(desk.services.db, inbound("e1", text=ANGRY), policy=IntakePolicy())
    async with desk.services.db.session() as session:
        request = await session.get(Request, result.request_id)
        assert request is not None and request.client_id is not None
        request.assignee_id = assignee.id if assignee else None
        request.first_response_at = NOW  # answered: these tests are about the conflict, not the SLA
        client = await session.get(Client, request.client_id)
        assert client is not None
        client.responsible_staff_id = responsible.id if responsible else None
        alert = Alert(
            kind="conflict",
            severity=2,
            category="missed_deadline",
            evidence_quote="Сколько можно ждать акт?!",
            source_message_id=result.message_id,
            client_id=client.id,
            request_id=request.id,
            created_at=desk.now,
        )
        session.add(alert)
        await session.commit()
    return alert


async def request_due_in(desk: StaffDesk, hours: int, *, assignee: str) -> Request:
    """Ромашка's answered request with that assignee and a deadline `hours` from the desk's clock."""
    result = await accept(
        desk.services.db,
        inbound("e1", text="ООО «Ромашка», ИНН 7707083893. Нужна декларация.", sent_at=desk.now),
        policy=IntakePolicy(),
    )
    async with desk.services.db.session() as session:
        request = await session.get(Request, result.request_id)
        assert request is not None
        request.assignee_id, request.first_response_at = desk.staff[assignee].id, desk.now
        set_field(
            request, field="due_at", value=desk.now + timedelta(hours=hours), source="manager", at=desk.now
        )
        await session.commit()
    return request
