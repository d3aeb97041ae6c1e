"""A client who owes us an answer and goes silent: a request waiting for the client past the date they were
given, or the company's business days without a word, is told once per wait to the staff member it is with
(else up the chart); our reminder starts the wait over; the client's answer ends it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from intake.accept import accept
from intake.policy import IntakePolicy
from storage.models import Request
from storage.repos.accounts import add_staff
from storage.repos.company_settings import BusinessHours, SlaSettings, save_sla_settings
from storage.repos.requests import record_staff_reply, wait_for_client
from tests.bots.staff.conftest import StaffDesk, texts
from tests.factories import inbound
from workers.notify import staff_tick

pytestmark = pytest.mark.storage


async def _waiting(
    desk: StaffDesk, *, assignee: str | None = "Анна", days: int = 2, until_days: int = 0
) -> int:
    """Ромашка asked for a reconciliation; the request waits for its acts since the desk's now (Tuesday
    10:00 Moscow), under a Monday–Friday 9–18 calendar."""
    async with desk.services.db.session() as session:
        await save_sla_settings(
            session, SlaSettings(60, BusinessHours(), client_wait_days=days), staff_id=None
        )
        await session.commit()
    text = "ООО «Ромашка», ИНН 7707083893. Нужен акт сверки за квартал."
    result = await accept(desk.services.db, inbound("e1", text=text, sent_at=desk.now), policy=IntakePolicy())
    async with desk.services.db.session() as session:
        request = await session.get(Request, result.request_id)
        assert request is not None
        request.assignee_id = desk.staff[assignee].id if assignee else None
        until = desk.now + timedelta(days=until_days) if until_days else None
        await wait_for_client(session, request=request, at=desk.now, staff_id=None, until=until)
        await session.commit()
    return result.request_id or 0


def _silent(desk: StaffDesk, chat: int) -> list[str]:
    return [
        str(p["text"])
        for p in desk.api.sent("sendMessage")
        if str(p["chat_id"]) == str(chat) and str(p["text"]).startswith("⏳ Клиент молчит")
    ]


async def tick(desk: StaffDesk) -> dict[str, int]:
    return await staff_tick({"okno": desk.app})


async def test_the_assignee_hears_once_when_the_client_is_silent_two_business_days(desk: StaffDesk) -> None:
    request_id = await _waiting(desk)
    desk.now += timedelta(days=2, minutes=-1)  # Thursday 09:59: two working days are not yet over
    assert (await tick(desk))["silent_clients"] == 0
    [mine] = texts(await desk.write(7001, "/my"))
    assert f"#{request_id} ждём клиента до 26.11 10:00: " in mine
    desk.now += timedelta(minutes=1)
    assert (await tick(desk))["silent_clients"] == 1
    [told] = _silent(desk, 7001)
    lines = told.splitlines()
    assert lines[0] == (
        f"⏳ Клиент молчит: заявка #{request_id}, ООО «Ромашка» — «Нужен акт сверки за квартал.». "
        "Ждём с 24.11 10:00, срок ответа 26.11 10:00 прошёл. "
        "Напомните клиенту или позвоните; /wait в теме заявки продлит ожидание."
    )
    assert lines[1] == f"Открыть: https://okno.example/ui/requests/{request_id}"
    [mine] = texts(await desk.write(7001, "/my"))
    assert f"#{request_id} ⏳ клиент молчит (ждали до 26.11 10:00): " in mine
    desk.now += timedelta(hours=1)
    assert (await tick(desk))["silent_clients"] == 0  # once per wait
    assert [_silent(desk, chat) for chat in (7002, 7003, 7004)] == [[], [], []]
    desk.now += timedelta(days=1)  # Friday: the supervisor's digest counts the silent client
    await tick(desk)
    digests = [str(p["text"]) for p in desk.api.sent("sendMessage") if str(p["chat_id"]) == "7003"]
    assert len(digests) == 2 and all(d.startswith("📊 Сводка за сутки") for d in digests)
    assert "Клиент молчит дольше срока: 0" in digests[0] and "Клиент молчит дольше срока: 1" in digests[1]


async def test_our_reminder_starts_the_wait_over_and_the_clients_answer_ends_it(desk: StaffDesk) -> None:
    request_id = await _waiting(desk)
    desk.now += timedelta(days=2)
    await tick(desk)
    assert len(_silent(desk, 7001)) == 1
    desk.now += timedelta(hours=1)  # Thursday 11:00: Анна writes "напоминаем, ждём акты"
    async with desk.services.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        await record_staff_reply(session, request=request, at=desk.now, staff_id=desk.staff["Анна"].id)
        await session.commit()
    desk.now += timedelta(days=1)  # Friday 11:00
    assert (await tick(desk))["silent_clients"] == 0
    desk.now += timedelta(days=3)  # Monday 11:00: Thursday's 7 hours, Friday's 9, Monday's 2
    assert (await tick(desk))["silent_clients"] == 1
    assert "Ждём с 26.11 11:00, срок ответа 30.11 11:00 прошёл" in _silent(desk, 7001)[1]
    await accept(
        desk.services.db,
        inbound("e2", text="Акты во вложении", sent_at=desk.now + timedelta(minutes=5)),
        policy=IntakePolicy(),
    )
    async with desk.services.db.session() as session:
        request = (await session.execute(select(Request))).scalars().one()
    assert request.status == "in_work"
    desk.now += timedelta(days=10)
    assert (await tick(desk))["silent_clients"] == 0  # the client answered: nothing to chase


async def test_the_date_the_client_was_given_and_the_company_turning_reminders_off(desk: StaffDesk) -> None:
    await _waiting(desk, days=0, until_days=6)  # "пришлите до понедельника"; the company counts no days
    desk.now += timedelta(days=5)
    assert (await tick(desk))["silent_clients"] == 0
    desk.now += timedelta(days=1)
    assert (await tick(desk))["silent_clients"] == 1  # the given date: told even with the days off
    assert "срок ответа 30.11 10:00 прошёл" in _silent(desk, 7001)[0]


async def test_the_company_turning_reminders_off_waits_quietly(desk: StaffDesk) -> None:
    await _waiting(desk, days=0)
    desk.now += timedelta(days=30)
    assert (await tick(desk))["silent_clients"] == 0


async def test_nobodys_request_reaches_a_supervisor_and_an_unreachable_owner_is_named(
    desk: StaffDesk,
) -> None:
    await _waiting(desk, assignee=None)
    desk.now += timedelta(days=2)
    await tick(desk)
    [told] = _silent(desk, 7003)  # nobody's: the supervisor on duty
    assert "Заявка у" not in told
    async with desk.services.db.session() as session:
        maria = await add_staff(session, name="Мария Котова", role="manager")  # no bot yet
        request = (await session.execute(select(Request))).scalars().one()
        request.assignee_id = maria.id
        await wait_for_client(session, request=request, at=desk.now, staff_id=None, until=None)
        await session.commit()
    desk.now += timedelta(days=4)  # Monday 10:00: the wait set again on Thursday
    await tick(desk)
    second = _silent(desk, 7003)[1]
    assert "Заявка у Мария Котова: к боту не подключён(а)." in second.splitlines()
