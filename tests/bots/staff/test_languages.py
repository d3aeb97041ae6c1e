"""An English-speaking member of a Russian office: /lang en, and the bot answers them in English, their
notices (a task from a colleague, a request's deadline, the head's digest) come in English, while the
colleagues around them keep Russian. The desk's clock: Tuesday 24.11.2026 07:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.models import Staff
from tests.bots.staff.conftest import StaffDesk, buttons, conflict_alert, request_due_in, texts
from workers.notify import staff_tick

pytestmark = pytest.mark.storage
ANNA, IVAN, VIKTOR = 7001, 7002, 7003


async def _language_of(desk: StaffDesk, first_name: str) -> str | None:
    async with desk.services.db.session() as session:
        member = await session.get(Staff, desk.staff[first_name].id)
        assert member is not None
        return member.language


def _to(desk: StaffDesk, chat: int, mark: str) -> list[str]:
    return [
        str(p["text"])
        for p in desk.api.sent("sendMessage")
        if str(p["chat_id"]) == str(chat) and mark in str(p["text"])
    ]


async def test_lang_sets_shows_and_clears_the_members_language(desk: StaffDesk) -> None:
    [now] = texts(await desk.write(IVAN, "/lang"))
    assert now == "Язык: русский. English: /lang en; как у компании: /lang -"
    [bad] = texts(await desk.write(IVAN, "/lang klingon"))
    assert bad.startswith("Не знаю языка «klingon».") and await _language_of(desk, "Иван") is None
    [set_] = texts(await desk.write(IVAN, "/lang English"))
    assert set_.startswith("Language: English — the bot's answers and your notices")
    assert await _language_of(desk, "Иван") == "en"
    [mine] = texts(await desk.write(IVAN, "/my"))
    assert mine == "You have no open tasks or requests."
    [help_] = texts(await desk.write(IVAN, "/help"))
    assert help_.startswith("What I do:")
    [anna] = texts(await desk.write(ANNA, "/my"))
    assert anna == "У вас нет открытых задач и заявок."  # her colleague's choice is not hers
    [back] = texts(await desk.write(IVAN, "/lang -"))
    assert back.startswith("Язык: русский") and await _language_of(desk, "Иван") is None


async def test_each_member_gets_notices_in_their_own_language(desk: StaffDesk) -> None:
    await desk.write(IVAN, "/lang en")
    [card] = await desk.write(ANNA, "/task Ивану подготовить акт сверки до пятницы")
    assert "📅 Срок: 27.11.2026 18:00" in card["text"]  # Анна writes and reads Russian
    await desk.press(ANNA, dict(buttons(card))["✅ Создать"], message_id=1001)
    [told] = _to(desk, IVAN, "📌")
    assert told.startswith("📌 New task from Анна Петрова: «Подготовить акт сверки»")
    request = await request_due_in(desk, 5, assignee="Иван")
    desk.now += timedelta(hours=4, minutes=1)
    await staff_tick({"okno": desk.app})
    [soon] = _to(desk, IVAN, "🔔")
    assert soon.startswith(f"🔔 Request #{request.id} (") and "is due 24.11 15:00" in soon
    desk.now += timedelta(hours=1, minutes=15)  # past due: his head reads Russian
    await staff_tick({"okno": desk.app})
    [late] = _to(desk, VIKTOR, "⏰")
    assert "срок был 24.11 15:00" in late
    # the head switches: the next morning's digest is in English, the day's Russian one stays as it went
    await desk.write(VIKTOR, "/lang en")
    desk.now = datetime(2026, 11, 25, 6, 5, tzinfo=UTC)  # 09:05 in Moscow
    await staff_tick({"okno": desk.app})
    yesterday, today = _to(desk, VIKTOR, "📊")
    assert yesterday.startswith("📊 Сводка за сутки (24.11.2026)")
    assert today.startswith("📊 The last 24 hours (25.11.2026)")


async def test_a_conflict_alert_reaches_each_reader_in_their_language(desk: StaffDesk) -> None:
    await desk.write(IVAN, "/lang en")
    await conflict_alert(desk, assignee=desk.staff["Иван"])
    await staff_tick({"okno": desk.app})
    [to_ivan] = [
        p for p in desk.api.sent("sendMessage") if str(p["chat_id"]) == str(IVAN) and "⚠️" in str(p["text"])
    ]
    [to_viktor] = _to(desk, VIKTOR, "⚠️")
    assert str(to_ivan["text"]).startswith("⚠️ Conflict · severity 2/3")
    assert [label for label, _ in buttons(to_ivan)][:2] == ["Take it", "Assign…"]
    assert to_viktor.startswith("⚠️ Конфликт · серьёзность 2/3 · сорван срок")
