"""Heads (Staff.head_id) in a division with several group heads: a conflict on Иван's request reaches Иван
and his own head at once, escalates to the head's head, then the admin; the company's other supervisor is
never woken for it. A request nobody has yet follows the client's responsible manager's chart; without a chart
the supervisor on duty is told, as before; an overdue task goes to its assignee's head."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from storage.models import Alert, Request, Staff, Task
from storage.repos.accounts import add_staff
from tests.bots.staff.conftest import StaffDesk, conflict_alert
from tests.factories import inbound
from workers.digest import digest_text
from workers.notify import staff_tick

pytestmark = pytest.mark.storage
IVAN, VIKTOR, OLGA, PAVLOV, MAKAROVA = 7002, 7003, 7004, 7005, 7006


async def _chart(desk: StaffDesk) -> None:
    """Иван → Сергей Павлов (group head) → Елена Макарова (division head); Виктор heads another group."""
    async with desk.services.db.session() as session:
        boss = await add_staff(session, name="Елена Макарова", role="supervisor", telegram_user_id=MAKAROVA)
        head = await add_staff(session, name="Сергей Павлов", role="supervisor", telegram_user_id=PAVLOV)
        head.head_id = boss.id
        ivan = await session.get(Staff, desk.staff["Иван"].id)
        assert ivan is not None
        ivan.head_id = head.id
        await session.commit()


async def _conflict(desk: StaffDesk, *, assignee: str | None, responsible: str | None = None) -> Alert:
    return await conflict_alert(
        desk,
        assignee=desk.staff[assignee] if assignee else None,
        responsible=desk.staff[responsible] if responsible else None,
    )


def _alerted(desk: StaffDesk) -> list[int]:
    return [
        int(p["chat_id"])
        for p in desk.api.sent("sendMessage")
        if "Сколько можно ждать акт" in str(p["text"]) and "Сводка за сутки" not in str(p["text"])
    ]


async def _tick(desk: StaffDesk) -> dict[str, int]:
    return await staff_tick({"okno": desk.app})


async def test_a_conflict_goes_up_the_assignees_own_chart(desk: StaffDesk) -> None:
    await _chart(desk)
    await _conflict(desk, assignee="Иван")
    await _tick(desk)
    assert sorted(_alerted(desk)) == [IVAN, PAVLOV]  # not Виктор, the supervisor with the lowest id
    desk.now += timedelta(minutes=16)
    assert (await _tick(desk))["escalated"] == 1
    assert _alerted(desk)[-1] == MAKAROVA
    desk.now += timedelta(minutes=15)
    assert (await _tick(desk))["escalated"] == 1
    assert _alerted(desk)[-1] == OLGA  # the admin, above every chart
    desk.now += timedelta(hours=2)
    assert (await _tick(desk))["escalated"] == 0
    assert VIKTOR not in _alerted(desk)


async def test_nobody_assigned_follows_the_clients_manager_else_the_supervisor_on_duty(
    desk: StaffDesk,
) -> None:
    await _chart(desk)
    await _conflict(desk, assignee=None, responsible="Иван")
    await _tick(desk)
    assert _alerted(desk) == [PAVLOV]


async def test_without_a_chart_the_supervisor_on_duty_is_told(desk: StaffDesk) -> None:
    await _chart(desk)
    await _conflict(desk, assignee="Анна")  # Анна has no head
    await _tick(desk)
    assert sorted(_alerted(desk)) == [7001, VIKTOR]


async def test_an_overdue_task_goes_to_the_assignees_head(desk: StaffDesk) -> None:
    await _chart(desk)
    async with desk.services.db.session() as session:
        session.add(Task(title="Позвонить в Ромашку", assignee_id=desk.staff["Иван"].id, due_at=desk.now))
        await session.commit()
    desk.now += timedelta(minutes=16)
    await _tick(desk)
    late = [p for p in desk.api.sent("sendMessage") if "Позвонить в Ромашку" in str(p["text"])]
    assert sorted(int(p["chat_id"]) for p in late) == [IVAN, PAVLOV]
    async with desk.services.db.session() as session:
        assert len((await session.execute(select(Task))).scalars().all()) == 1


async def _answered(desk: StaffDesk, event: str, who: str, minutes: int) -> None:
    result = await accept(
        desk.services.db, inbound(event, text=f"Вопрос {event}", sender=event), policy=IntakePolicy()
    )
    async with desk.services.db.session() as session:
        request = await session.get(Request, result.request_id)
        assert request is not None
        request.assignee_id = desk.staff[who].id
        request.created_at = desk.now - timedelta(hours=2)
        request.first_response_at = request.created_at + timedelta(minutes=minutes)
        await session.commit()


async def test_a_head_gets_the_digest_of_their_group_and_the_others_the_companys(desk: StaffDesk) -> None:
    await _chart(desk)
    desk.now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:00 Moscow: after the digest hour
    await _answered(desk, "a1", "Иван", 30)
    await _answered(desk, "a2", "Анна", 10)
    await _conflict(desk, assignee="Анна")  # answered at once: Анна's average is 5 minutes over two
    await _tick(desk)

    def digest(chat: int) -> str:
        [text] = [
            str(p["text"])
            for p in desk.api.sent("sendMessage")
            if int(p["chat_id"]) == chat and "Сводка" in str(p["text"])
        ]
        return text

    pavlov, makarova, viktor = digest(PAVLOV), digest(MAKAROVA), digest(VIKTOR)
    assert "Ваша группа: 2 чел., включая вас" in pavlov and "Иван Соколов: 30 мин (1)" in pavlov
    assert "Анна Петрова" not in pavlov and "Конфликтов: 0" in pavlov
    assert "Ваша группа: 3 чел., включая вас" in makarova and "Анна Петрова" not in makarova
    assert "Ваша группа" not in viktor and "Конфликтов: 1" in viktor
    assert viktor.index("Иван Соколов: 30 мин") < viktor.index("Анна Петрова: 5 мин (2)")  # the slowest first


async def test_a_digest_of_eighty_names_the_twenty_slowest_and_sums_the_rest(desk: StaffDesk) -> None:
    desk.now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    async with desk.services.db.session() as session:
        people = [await add_staff(session, name=f"Менеджер {i:02d}") for i in range(25)]
        await session.commit()
    for i, member in enumerate(people):
        desk.staff[member.name] = member
        await _answered(desk, f"m{i}", member.name, 10 + i)
    text = await digest_text(desk.app, desk.now, "ru")
    lines = text.splitlines()
    assert "  Менеджер 24: 34 мин (1)" in lines and "  Менеджер 05: 15 мин (1)" in lines
    assert "  Менеджер 04: 14 мин (1)" not in lines
    assert lines[-1] == "  …ещё 5: в среднем 12 мин"


async def test_a_head_without_the_bot_is_passed_over(desk: StaffDesk) -> None:
    await _chart(desk)
    async with desk.services.db.session() as session:
        for head in (
            await session.execute(select(Staff).where(col(Staff.telegram_user_id).in_([PAVLOV, MAKAROVA])))
        ).scalars():
            head.telegram_user_id = None  # neither has sent /start yet
        await session.commit()
    await _conflict(desk, assignee="Иван")
    await _tick(desk)
    assert sorted(_alerted(desk)) == [IVAN, VIKTOR]


async def test_nobodys_request_on_a_groups_line_reaches_that_groups_head(desk: StaffDesk) -> None:
    await _chart(desk)
    alert = await _conflict(desk, assignee=None)
    async with desk.services.db.session() as session:
        pavlov = (
            await session.execute(select(Staff).where(col(Staff.telegram_user_id) == PAVLOV))
        ).scalar_one()
        request = await session.get(Request, alert.request_id)
        assert request is not None
        request.group_head_id = pavlov.id  # came in on the line Павлов's group answers
        await session.commit()
    await _tick(desk)
    assert _alerted(desk) == [PAVLOV]  # not Виктор, the supervisor on duty
    desk.now += timedelta(minutes=16)
    await _tick(desk)
    assert _alerted(desk)[-1] == MAKAROVA
