"""Access: only active staff get anything; an outsider gets one polite refusal with no data; a deactivated
member loses access at once; an invite code from `okno staff invite` works once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from intake.accept import accept
from intake.policy import IntakePolicy
from storage.models import Client, Staff
from storage.repos.staff_bot import create_invite
from tests.bots.staff.conftest import OUTSIDER, StaffDesk, texts
from tests.factories import inbound

pytestmark = pytest.mark.storage


async def _romashka(desk: StaffDesk) -> None:
    await accept(
        desk.services.db, inbound("e1", text="ООО Ромашка, ИНН 7707083893, нужен акт"), policy=IntakePolicy()
    )
    async with desk.services.db.session() as session:
        assert (await session.execute(select(Client))).scalars().one().inn == "7707083893"


async def test_an_unknown_user_is_refused_once_and_sees_no_data(desk: StaffDesk) -> None:
    await _romashka(desk)
    calls = await desk.write(OUTSIDER, "/client Ромашка")
    [refusal] = texts(calls)
    assert [c["method"] for c in calls] == ["sendMessage"]
    assert "только для сотрудников" in refusal
    assert (
        "Ромашка" not in refusal and "7707083893" not in refusal and not any(ch.isdigit() for ch in refusal)
    )
    # Writing again, or pressing a button from an old message, gives nothing more.
    assert await desk.write(OUTSIDER, "что с Ромашкой?") == []
    pressed = await desk.press(OUTSIDER, "cl:client:1", message_id=1)
    assert [c["method"] for c in pressed] == ["answerCallbackQuery"] and "text" not in pressed[0]


async def test_an_outsider_in_a_group_is_ignored(desk: StaffDesk) -> None:
    assert await desk.write(OUTSIDER, "/client Ромашка", chat_id=-100123) == []


async def test_a_deactivated_member_loses_access_at_once(desk: StaffDesk) -> None:
    await _romashka(desk)
    assert "Ромашка" in texts(await desk.write(7001, "/client Ромашка"))[0]
    async with desk.services.db.session() as session:
        anna = await session.get(Staff, desk.staff["Анна"].id)
        assert anna is not None
        anna.active = False
        await session.commit()
    [refusal] = texts(await desk.write(7001, "/client Ромашка"))
    assert "Ромашка" not in refusal and "только для сотрудников" in refusal


async def test_an_invite_code_joins_once_with_its_role(desk: StaffDesk) -> None:
    async with desk.services.db.session() as session:
        _invite, code = await create_invite(session, role="supervisor", name="Пётр Сидоров")
        await session.commit()
    [welcome] = texts(await desk.write(8001, f"/start {code}"))
    assert welcome.startswith("Добро пожаловать, Пётр Сидоров!") and "руководитель" in welcome
    async with desk.services.db.session() as session:
        joined = (await session.execute(select(Staff).where(Staff.telegram_user_id == 8001))).scalars().one()
    assert joined.role == "supervisor" and joined.active
    [again] = texts(await desk.write(8002, f"/start {code}"))  # someone else with the same code
    assert "недействителен" in again
    [help_text] = texts(await desk.write(8001, "/help"))
    assert "/client" in help_text


async def test_an_invite_for_a_member_connects_their_telegram_not_a_second_member(desk: StaffDesk) -> None:
    """A manager added for the web (password, PBX extension, requests) joins the bot as herself."""
    async with desk.services.db.session() as session:
        olga = Staff(name="Ольга Смирнова", role="manager", email="olga@example.ru")
        session.add(olga)
        await session.flush()
        _invite, code = await create_invite(session, role="admin", name="ignored", staff=olga)
        await session.commit()
        count = len((await session.execute(select(Staff))).scalars().all())
    [welcome] = texts(await desk.write(8004, f"/start {code}"))
    assert welcome.startswith("Добро пожаловать, Ольга Смирнова!") and "менеджер" in welcome
    async with desk.services.db.session() as session:
        assert len((await session.execute(select(Staff))).scalars().all()) == count
        linked = await session.get(Staff, olga.id)
        assert linked is not None and (linked.telegram_user_id, linked.role) == (8004, "manager")
        # another member's Telegram cannot be taken by a code for her
        _invite, other = await create_invite(session, role="manager", staff=linked)
        await session.commit()
    [refused] = texts(await desk.write(7001, f"/start {other}"))  # 7001 is Анна's
    assert refused.startswith("Вы уже подключены как Анна")
    async with desk.services.db.session() as session:
        assert (await session.get(Staff, olga.id)).telegram_user_id == 8004  # type: ignore[union-attr]


async def test_a_wrong_code_is_refused_without_creating_anyone(desk: StaffDesk) -> None:
    [answer] = texts(await desk.write(8003, "/join not-a-real-code"))
    assert "недействителен" in answer
    async with desk.services.db.session() as session:
        assert (await session.execute(select(Staff).where(Staff.telegram_user_id == 8003))).first() is None
