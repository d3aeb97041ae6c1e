"""Client lookup and summary: an ambiguous name asks to pick; the card shows requests, last contact per
channel, alerts and the assistant's summary with links; new messages update it by editing the sent message."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from sqlmodel import select

from intake.accept import accept
from intake.policy import IntakePolicy
from storage.models import Alert, Client, ClientSummary, Request
from tests.assistant.fakes import user_text
from tests.bots.staff.conftest import StaffDesk, buttons, texts
from tests.factories import NOW, inbound

pytestmark = pytest.mark.storage


async def _clients(desk: StaffDesk) -> dict[str, int]:
    policy = IntakePolicy()
    await accept(
        desk.services.db,
        inbound("e1", text="ООО «Ромашка», ИНН 7707083893. Нужен акт сверки до 30.11"),
        policy=policy,
    )
    await accept(
        desk.services.db,
        inbound(
            "e2",
            sender="u2",
            text="АО «Ромашка-Сервис», ИНН 7736207543, счёт",
            sent_at=NOW + timedelta(minutes=5),
        ),
        policy=policy,
    )
    async with desk.services.db.session() as session:
        return {c.inn or "": c.id or 0 for c in (await session.execute(select(Client))).scalars()}


def summary_of(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
    ids = [int(i) for i in re.findall(r"id=(\d+)", user_text(messages).split("New messages:", 1)[1])]
    return {"points": [{"section": "recent", "text": "Просит акт сверки до 30.11", "cites": ids}]}


async def test_an_ambiguous_name_asks_to_pick_then_shows_the_card(desk: StaffDesk) -> None:
    ids = await _clients(desk)
    [pick] = [c for c in await desk.write(7001, "что с Ромашкой?") if c["method"] == "sendMessage"]
    assert pick["text"] == "Нашёл несколько клиентов, выберите:"
    labels = dict(buttons(pick))
    assert len(labels) == 2 and all("Ромашка" in label for label in labels)
    chosen = next(data for label, data in labels.items() if "7707083893" in label)
    assert chosen == f"cl:client:{ids['7707083893']}"
    calls = await desk.press(7001, chosen, message_id=1001)
    [card] = texts(calls)
    assert "ИНН 7707083893" in card and "Нужен акт сверки" in card and "срок 30.11.2026 18:00" in card
    assert "без исполнителя" in card and "api:" in card  # last contact per channel
    assert "Ромашка-Сервис" not in card
    assert "Ассистент выключен" in card  # no model here: the stored facts, said honestly


async def test_a_single_match_by_inn_shows_the_summary_and_updates_it_by_edit(desk: StaffDesk) -> None:
    ids = await _clients(desk)
    model = desk.use_model(summary_of)
    calls = await desk.write(7001, "/client 7707083893")
    [first] = [c for c in calls if c["method"] == "sendMessage"]
    [edit] = [c for c in calls if c["method"] == "editMessageText"]
    assert "⏳ Обновляю сводку: новых сообщений 1" in first["text"]
    assert "Просит акт сверки до 30.11" in edit["text"] and "⏳" not in edit["text"]
    assert re.search(
        r"https://okno\.example/ui/requests/\d+#m\d+", edit["text"]
    )  # a link to the cited message
    assert len(model.seen) == 1
    async with desk.services.db.session() as session:
        stored = (await session.execute(select(ClientSummary))).scalars().one()
    assert stored.client_id == ids["7707083893"]
    # Up to date now: the answer is one message, no model call.
    again = await desk.write(7001, "/client 7707083893")
    assert [c["method"] for c in again] == ["sendMessage"] and len(model.seen) == 1
    assert "Просит акт сверки до 30.11" in again[0]["text"]


async def test_open_alerts_and_assignees_are_on_the_card(desk: StaffDesk) -> None:
    ids = await _clients(desk)
    async with desk.services.db.session() as session:
        request = (
            (await session.execute(select(Request).where(Request.client_id == ids["7707083893"])))
            .scalars()
            .one()
        )
        request.assignee_id = desk.staff["Иван"].id
        session.add(
            Alert(
                kind="conflict",
                severity=2,
                category="missed_deadline",
                evidence_quote="сколько можно ждать",
                client_id=ids["7707083893"],
                request_id=request.id,
            )
        )
        await session.commit()
    [pick] = await desk.write(7001, "summarize Romashka")  # Latin letters find «Ромашка» too
    chosen = next(data for label, data in buttons(pick) if "7707083893" in label)
    [card] = texts(await desk.press(7001, chosen, message_id=1001))
    assert "Иван Соколов" in card and "⚠️ сорван срок: «сколько можно ждать»" in card


async def test_nothing_found_says_so(desk: StaffDesk) -> None:
    await _clients(desk)
    assert texts(await desk.write(7001, "/client Василёк")) == ["Не нашёл клиента по запросу «Василёк»."]
