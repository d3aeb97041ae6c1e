"""The client side of the bot, fed from stored updates after their ingest: /start, /status and the guided
form; every answer leaves through the Outbox and reaches the loopback Bot API as sendMessage."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from storage.models import Message, Outbox, Request
from storage.repos.blocking import block_contact
from storage.repos.requests import set_field
from storage.types import utcnow
from tests.channels.telegram.conftest import TelegramLive
from tests.channels.telegram.updates import IVAN, text_update

pytestmark = pytest.mark.storage


class Client:
    def __init__(self, live: TelegramLive) -> None:
        self.live = live
        self.update_id = 1000

    async def send(self, text: str | None = None, **fields: Any) -> list[str]:
        """One update through the webhook and ingest, then the dialogue; returns what the bot said."""
        self.update_id += 1
        if text is not None and text.startswith("/"):
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        body = (
            text_update(self.update_id, self.update_id, text, **fields)
            if text is not None
            else {
                "update_id": self.update_id,
                "message": {
                    "message_id": self.update_id,
                    "from": IVAN,
                    "date": 1795503600 + self.update_id,
                    "chat": {"id": IVAN["id"], "type": "private", "first_name": "Иван"},
                    **fields,
                },
            }
        )
        before = len(self.live.sandbox.sent("sendMessage"))
        assert await self.live.post_update(body) == 200
        await self.live.drain()  # ingest, then the client bot's turn (the after-ingest hook), then the sends
        return [p["text"] for p in self.live.sandbox.sent("sendMessage")[before:]]


async def test_start_greets_in_russian_through_the_outbox(tg_live: TelegramLive) -> None:
    [greeting] = await Client(tg_live).send("/start")
    assert greeting.startswith("Здравствуйте!") and "/new" in greeting and "/status" in greeting
    async with tg_live.services.db.session() as session:
        [row] = (await session.execute(select(Outbox))).scalars().all()
    assert row.status == "sent" and row.conversation_key == str(IVAN["id"])
    assert await tg_live.count(Request) == 0  # a command is not a request


async def test_status_lists_own_open_requests_without_staff_data(tg_live: TelegramLive) -> None:
    client = Client(tg_live)
    assert await client.send("/status") == ["Открытых заявок нет. Напишите, что нужно сделать, или /new."]
    assert await client.send("Нужен акт сверки до 30.11") == []
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
        request.assignee_id = tg_live.staff_id  # assigned to «Анна»: the client must not see her
        request.notes = [{"kind": "internal", "value": "клиент сложный"}]
        await session.commit()
    [answer] = await client.send("/status")
    assert answer.startswith("Ваши открытые заявки:") and f"№{request.id} — новая: Нужен акт сверки" in answer
    assert "срок 30.11" in answer
    assert "Анна" not in answer and "сложный" not in answer


async def test_guided_form_fills_the_request(tg_live: TelegramLive) -> None:
    client = Client(tg_live)
    assert await client.send("Добрый день, есть задача") == []
    assert (await client.send("/new"))[0].startswith("Шаг 1 из 4")
    assert (await client.send("ООО Ромашка, ИНН 7707083890"))[0].startswith("Не нашёл верный ИНН")
    assert (await client.send("ООО «Ромашка», ИНН 7707083893"))[0].startswith("Шаг 2 из 4")
    assert (await client.send("Акт сверки с поставщиком за 3 квартал"))[0].startswith("Шаг 3 из 4")
    assert (await client.send("когда-нибудь"))[0].startswith("Не понял дату")
    assert (await client.send("до 30.11"))[0].startswith("Шаг 4 из 4")
    doc = {"file_id": "DOC1", "file_unique_id": "u1", "file_name": "act.pdf"}
    assert await client.send(None, document=doc) == ["Файл получил. Ещё файлы — или /done."]
    [done] = await client.send("/done")
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    assert done.startswith(f"Заявка №{request.id} заполнена: ООО «Ромашка», ИНН 7707083893")
    assert (request.inn, request.what) == ("7707083893", "Акт сверки с поставщиком за 3 квартал")
    assert request.due_at is not None and (request.due_at.month, request.due_at.day) == (11, 30)
    assert request.field_sources["what"]["note"] == "client form"


async def test_a_manager_value_is_not_overwritten_by_the_form(tg_live: TelegramLive) -> None:
    client = Client(tg_live)
    await client.send("Есть задача")
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
        set_field(request, field="what", value="Сверка с ООО «Поставщик-М»", source="manager", at=utcnow())
        await session.commit()
    for line in ("/new", "ООО «Ромашка», ИНН 7707083893", "Другое", "-", "/done"):
        await client.send(line)
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    assert request.what == "Сверка с ООО «Поставщик-М»" and request.inn == "7707083893"


async def test_the_bot_stays_silent_in_groups(tg_live: TelegramLive) -> None:
    group = {"id": -1001500100, "title": "Ромашка", "type": "supergroup"}
    assert await Client(tg_live).send("/start", chat=group) == []


async def test_a_sender_blocked_as_spam_gets_no_answer_and_opens_no_request(tg_live: TelegramLive) -> None:
    client = Client(tg_live)
    assert await client.send("Купите рекламу в нашем канале!") == []
    async with tg_live.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
        await block_contact(session, contact_id=request.contact_id, staff_id=None, at=utcnow())
        await session.commit()
    assert await client.send("/start") == []  # the bot says nothing to them
    assert await client.send("Скидка 90% только сегодня") == []
    async with tg_live.services.db.session() as session:
        [cancelled] = (await session.execute(select(Request))).scalars().all()
        stored = (await session.execute(select(Message).where(col(Message.request_id).is_(None)))).scalars()
        assert cancelled.status == "cancelled"
        assert [m.text for m in stored] == ["/start", "Скидка 90% только сегодня"]  # kept, nothing opened
