"""The staff bot in a division of eighty (tests/assistant/staff_directory.py): a task for "Саше" offers the
three people it can mean, «Назначить…» pages through everyone with those who know the client first, and
/assign with a shared first name names the people it fits."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bots.staff.mirror import mirror_to_topic
from intake.accept import accept
from intake.policy import IntakePolicy
from storage.models import Request, Staff, Task
from storage.repos.accounts import add_staff
from tests.assistant.staff_directory import DIVISION
from tests.bots.staff.conftest import FORUM, PEOPLE, StaffDesk, buttons, conflict_alert, texts
from tests.factories import inbound
from workers.notify import staff_tick
from workers.staff_cards import AlertAction

pytestmark = pytest.mark.storage


async def _hire(desk: StaffDesk, names: list[str]) -> dict[str, Staff]:
    """The division's managers beside the desk's four people (names the desk already has are theirs)."""
    taken = {p[0] for p in PEOPLE}
    async with desk.services.db.session() as session:
        hired = {n: await add_staff(session, name=n, role="manager") for n in names if n not in taken}
        await session.commit()
    return hired


async def test_a_name_three_people_share_is_offered_as_three_buttons(desk: StaffDesk) -> None:
    hired = await _hire(desk, DIVISION)
    [card] = await desk.write(7001, "/task Саше подготовить КП для Ромашки до пятницы")
    assert "👤 Исполнитель: кто именно? выберите ниже" in card["text"]
    rows = card["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows[:2]] == [
        ["Александр Морозов", "Александр Лебедев"],
        ["Александра Белова"],
    ]
    pick = dict(buttons(card))["Александра Белова"]
    [_, edited] = await desk.press(7001, pick, message_id=1001)
    assert "👤 Исполнитель: Александра Белова" in edited["text"]
    await desk.press(7001, dict(buttons(edited))["✅ Создать"], message_id=1001)
    async with desk.services.db.session() as session:
        [task] = (await session.execute(select(Task))).scalars().all()
    assert task.assignee_id == hired["Александра Белова"].id


async def test_a_surname_made_of_a_first_name_is_the_surname(desk: StaffDesk) -> None:
    hired = await _hire(desk, DIVISION)
    [card] = await desk.write(7001, "/task Иванову выставить счёт Ромашке завтра")
    assert "👤 Исполнитель: Пётр Иванов" in card["text"]
    await desk.press(7001, dict(buttons(card))["✅ Создать"], message_id=1001)
    async with desk.services.db.session() as session:
        [task] = (await session.execute(select(Task))).scalars().all()
    assert task.assignee_id == hired["Пётр Иванов"].id


async def test_a_typed_assignee_that_fits_several_offers_them(desk: StaffDesk) -> None:
    await _hire(desk, DIVISION)
    [card] = await desk.write(7001, "/task Анне Волковой позвонить клиенту завтра")
    await desk.press(7001, dict(buttons(card))["✏️ Исполнитель"], message_id=1001)
    [offered] = await desk.write(7001, "Ивану")
    assert "кто именно?" in offered["text"]
    assert {"Иван Соколов", "Иван Петров"} <= {label for label, _ in buttons(offered)}
    await desk.press(7001, dict(buttons(offered))["✏️ Исполнитель"], message_id=1002)
    [chosen] = await desk.write(7001, "Ивану Петрову")
    assert "👤 Исполнитель: Иван Петров" in chosen["text"]


async def test_more_people_than_buttons_asks_for_the_surname(desk: StaffDesk) -> None:
    await _hire(desk, [f"Александр {s}" for s in ("Ан", "Бе", "Во", "Ге", "Де", "Ер", "Жу", "Зу", "Ил")])
    [card] = await desk.write(7001, "/task Саше позвонить клиенту завтра")
    assert "подходят 9 сотрудников: напишите с фамилией" in card["text"]
    assert not any(label.startswith("Александр") for label, _ in buttons(card))


async def test_assign_pages_through_eighty_with_the_clients_manager_first(desk: StaffDesk) -> None:
    hired = await _hire(desk, DIVISION)
    async with desk.services.db.session() as session:
        away = await session.get(Staff, hired["Ярослав Данилов"].id)
        assert away is not None
        away.on_duty = False  # on leave: still the client's manager, still first, marked
        await session.commit()
    alert = await conflict_alert(desk, responsible=hired["Ярослав Данилов"])
    await staff_tick({"okno": desk.app})
    [card] = [p for p in desk.api.sent("sendMessage") if str(p["chat_id"]) == "7003" and buttons(p)]
    [_, first] = await desk.press(7003, dict(buttons(card))["Назначить…"], message_id=1001)
    labels = [label for label, _ in buttons(first)]
    people = [label for label in labels if "▶" not in label and "◀" not in label]
    assert people[0] == "Ярослав Данилов 💤" and len(people) == 8
    pages = -(-(len(hired) + 3) // 8)  # the division and the desk's manager and supervisors
    assert labels[-1] == f"2/{pages} ▶"
    [_, second] = await desk.press(7003, dict(buttons(first))[f"2/{pages} ▶"], message_id=1001)
    second_labels = [label for label, _ in buttons(second)]
    assert second_labels[-2:] == [f"◀ 1/{pages}", f"3/{pages} ▶"]
    assert not set(second_labels[:-2]) & set(people)
    [_, last] = await desk.press(
        7003, AlertAction(action="assign", alert_id=alert.id or 0, page=99).pack(), message_id=1001
    )
    last_labels = [label for label, _ in buttons(last)]
    assert last_labels[-1] == f"◀ {pages - 1}/{pages}"
    seen: set[str] = set()
    for page in range(pages):
        data = AlertAction(action="assign", alert_id=alert.id or 0, page=page).pack()
        [_, shown] = await desk.press(7003, data, message_id=1001)
        seen |= {
            label.removesuffix(" 💤") for label, _ in buttons(shown) if "▶" not in label and "◀" not in label
        }
    assert set(DIVISION) <= seen  # everyone is reachable
    target = next(data for label, data in buttons(second) if "▶" not in label and "◀" not in label)
    await desk.press(7003, target, message_id=1001)
    async with desk.services.db.session() as session:
        request = await session.get(Request, alert.request_id)
        chosen = await session.get(Staff, request.assignee_id if request else None)
    assert chosen is not None and chosen.name == second_labels[0]


async def test_assign_in_a_topic_names_everyone_a_shared_first_name_fits(desk: StaffDesk) -> None:
    await _hire(desk, DIVISION)
    result = await accept(desk.services.db, inbound("e1", text="Нужен акт сверки"), policy=IntakePolicy())
    assert await mirror_to_topic({"okno": desk.app}, result.message_id or 0) == "mirrored"
    thread = int(desk.api.sent("sendMessage")[0]["message_thread_id"])
    [which] = texts(await desk.write(7003, "/assign Ивану", chat_id=FORUM, thread=thread))
    assert which == "«Ивану» — это Иван Соколов, Иван Петров? Напишите с фамилией."
    [assigned] = texts(await desk.write(7003, "/assign Иванову", chat_id=FORUM, thread=thread))
    assert "Пётр Иванов" in assigned


async def test_assign_offers_the_group_that_answers_the_line_first(desk: StaffDesk) -> None:
    hired = await _hire(desk, DIVISION)
    async with desk.services.db.session() as session:
        head = await session.get(Staff, hired["Елена Макарова"].id)
        assert head is not None
        head.role = "supervisor"
        for name in ("Юрий Тарасов", "Вадим Щербаков"):
            member = await session.get(Staff, hired[name].id)
            assert member is not None
            member.head_id = head.id
        await session.commit()
    alert = await conflict_alert(desk)
    async with desk.services.db.session() as session:
        request = await session.get(Request, alert.request_id)
        assert request is not None
        request.group_head_id = hired["Елена Макарова"].id  # nobody's yet, come in on her group's line
        await session.commit()
    await staff_tick({"okno": desk.app})
    [card] = [p for p in desk.api.sent("sendMessage") if str(p["chat_id"]) == "7003" and buttons(p)]
    [_, first] = await desk.press(7003, dict(buttons(card))["Назначить…"], message_id=1001)
    assert [label for label, _ in buttons(first)][:2] == ["Вадим Щербаков", "Юрий Тарасов"]
