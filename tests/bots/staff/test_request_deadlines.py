"""A request's own deadline: its assignee is reminded an hour before and told when it passes; still open a
quarter of an hour later, their head (here the supervisor on duty) is told; a request nobody has reaches the
supervisor at once; a new deadline is a new round; a request done is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake.accept import accept
from intake.policy import IntakePolicy
from storage.models import Request
from storage.repos.requests import change_status, set_field
from tests.bots.staff.conftest import StaffDesk
from tests.factories import inbound
from workers.notify import staff_tick

pytestmark = pytest.mark.storage
TEXT = "ООО «Ромашка», ИНН 7707083893. Нужна декларация по НДС за квартал."


async def _request(desk: StaffDesk, *, assignee: str | None, hours: float = 5) -> int:
    """Answered (no SLA alert), with a deadline `hours` after the desk's now (Tuesday 10:00 Moscow)."""
    result = await accept(desk.services.db, inbound("e1", text=TEXT, sent_at=desk.now), policy=IntakePolicy())
    async with desk.services.db.session() as session:
        request = await session.get(Request, result.request_id)
        assert request is not None
        request.assignee_id = desk.staff[assignee].id if assignee else None
        request.first_response_at = desk.now
        due = desk.now + timedelta(hours=hours)
        set_field(request, field="due_at", value=due, source="manager", at=desk.now)
        await session.commit()
    return result.request_id or 0


def _told(desk: StaffDesk, chat: int) -> list[str]:
    return [
        str(p["text"])
        for p in desk.api.sent("sendMessage")
        if str(p["chat_id"]) == str(chat) and "заявк" in str(p["text"]) and "Сводка" not in str(p["text"])
    ]


async def tick(desk: StaffDesk) -> int:
    return (await staff_tick({"okno": desk.app}))["request_deadlines"]


async def test_the_assignee_is_reminded_then_told_then_the_head(desk: StaffDesk) -> None:
    request_id = await _request(desk, assignee="Иван")  # due 15:00 Moscow
    assert await tick(desk) == 0  # five hours ahead: nothing yet
    desk.now += timedelta(hours=4, minutes=1)
    assert await tick(desk) == 1 and await tick(desk) == 0  # once
    [soon] = _told(desk, 7002)
    assert soon.splitlines() == [
        f"🔔 Срок заявки #{request_id} (ООО «Ромашка») — 24.11 15:00: «Нужна декларация по НДС за квартал.»",
        f"Открыть: https://okno.example/ui/requests/{request_id}",
    ]
    desk.now += timedelta(hours=1)  # 15:01
    assert await tick(desk) == 1
    assert _told(desk, 7002)[1].startswith(
        f"⏰ Срок заявки #{request_id} (ООО «Ромашка») прошёл (24.11 15:00)"
    )
    assert _told(desk, 7003) == []  # the supervisor: not yet
    desk.now += timedelta(minutes=15)
    assert await tick(desk) == 1
    [late] = _told(desk, 7003)
    assert late.startswith(f"⏰ Просрочена заявка #{request_id} (ООО «Ромашка», ответственный: Иван Соколов)")
    assert len(_told(desk, 7002)) == 2 and _told(desk, 7001) == [] and _told(desk, 7004) == []
    async with desk.services.db.session() as session:  # a new date agreed with the client: a new round
        request = await session.get(Request, request_id)
        assert request is not None
        set_field(
            request, field="due_at", value=desk.now + timedelta(minutes=30), source="manager", at=desk.now
        )
        await session.commit()
    assert await tick(desk) == 1 and len(_told(desk, 7002)) == 3
    async with desk.services.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        await change_status(session, request=request, status="done", at=desk.now, staff_id=None)
        await session.commit()
    desk.now += timedelta(hours=2)
    assert await tick(desk) == 0  # done: nothing to chase


async def test_a_request_nobody_has_reaches_the_supervisor_at_once(desk: StaffDesk) -> None:
    request_id = await _request(desk, assignee=None, hours=0.5)
    assert await tick(desk) == 1
    [soon] = _told(desk, 7003)
    assert soon.startswith(f"🔔 Срок заявки #{request_id} (ООО «Ромашка») — 24.11 10:30")
    assert [_told(desk, chat) for chat in (7001, 7002)] == [[], []]


async def test_an_old_deadline_is_not_told_late(desk: StaffDesk) -> None:
    await _request(
        desk, assignee="Иван", hours=-24 * 8
    )  # eight days ago: the inbox shows it, the bot is quiet
    assert await tick(desk) == 0
