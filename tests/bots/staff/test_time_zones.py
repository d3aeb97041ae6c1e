"""A company with branches in other cities: a member sets their own zone with /tz; the deadlines they write
(«до пятницы», «завтра в 15:00») are theirs, and the bot's answers, /my, reminders and the digest come in each
reader's own time. The desk's clock: Tuesday 24.11.2026 07:00 UTC — 10:00 in Moscow, 14:00 in Krasnoyarsk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.models import Staff, Task
from tests.bots.staff.conftest import StaffDesk, buttons, request_due_in, texts
from workers.notify import staff_tick

pytestmark = pytest.mark.storage
ANNA, IVAN, VIKTOR = 7001, 7002, 7003


async def _zone_of(desk: StaffDesk, first_name: str) -> str | None:
    async with desk.services.db.session() as session:
        member = await session.get(Staff, desk.staff[first_name].id)
        assert member is not None
        return member.timezone


async def test_tz_sets_shows_and_clears_the_members_own_zone(desk: StaffDesk) -> None:
    [now] = texts(await desk.write(ANNA, "/tz"))
    assert now == (
        "Ваш часовой пояс: как у компании. Сменить: /tz Красноярск, /tz МСК+4 или /tz Asia/Krasnoyarsk; "
        "/tz - — как у компании (Москва (UTC+03:00))."
    )
    [bad] = texts(await desk.write(ANNA, "/tz Марс"))
    assert bad.startswith("Не знаю часового пояса «Марс».") and await _zone_of(desk, "Анна") is None
    [set_] = texts(await desk.write(ANNA, "/tz красноярск"))
    assert set_.startswith("Часовой пояс: Красноярск (UTC+07:00), у вас сейчас 14:00.")
    assert await _zone_of(desk, "Анна") == "Asia/Krasnoyarsk"
    [shown] = texts(await desk.write(ANNA, "/tz"))
    assert shown.startswith("Ваш часовой пояс: Красноярск (UTC+07:00).")
    await desk.write(ANNA, "/tz МСК+7")
    assert await _zone_of(desk, "Анна") == "Asia/Vladivostok"
    await desk.write(ANNA, "/tz Europe/Samara")
    assert await _zone_of(desk, "Анна") == "Europe/Samara"
    [back] = texts(await desk.write(ANNA, "/tz -"))
    assert back.startswith("Часовой пояс: Москва (UTC+03:00), у вас сейчас 10:00.")
    assert await _zone_of(desk, "Анна") is None


async def test_a_deadline_written_in_krasnoyarsk_is_krasnoyarsks_and_moscow_reads_it_in_its_time(
    desk: StaffDesk,
) -> None:
    await desk.write(ANNA, "/tz Красноярск")
    [card] = await desk.write(ANNA, "/task Ивану подготовить акт сверки до пятницы")
    assert "📅 Срок: 27.11.2026 18:00" in card["text"]  # her Friday's end of day
    keys = dict(buttons(card))
    await desk.press(ANNA, keys["✏️ Срок"], message_id=1001)
    [edited] = texts(await desk.write(ANNA, "завтра в 15:00"))
    assert "📅 Срок: 25.11.2026 15:00" in edited
    calls = await desk.press(ANNA, dict(buttons(card))["✅ Создать"], message_id=1001)
    async with desk.services.db.session() as session:
        [task] = (await session.execute(select(Task))).scalars().all()
    assert task.due_at == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 15:00 in Krasnoyarsk
    assert any("25.11.2026 15:00" in t for t in texts(calls, "editMessageText"))
    told = [c["text"] for c in calls if c["method"] == "sendMessage" and str(c["chat_id"]) == str(IVAN)]
    assert told == ["📌 Новая задача от Анна Петрова: «Подготовить акт сверки», срок 25.11 11:00"]  # Moscow
    [mine] = texts(await desk.write(IVAN, "/my"))
    assert "срок 25.11 11:00" in mine
    await desk.write(IVAN, "/tz Иркутск")
    [mine] = texts(await desk.write(IVAN, "/my"))
    assert "срок 25.11 16:00" in mine


async def test_reminders_come_in_each_readers_own_time(desk: StaffDesk) -> None:
    await request_due_in(desk, 5, assignee="Иван")
    await desk.write(IVAN, "/tz Красноярск")
    desk.now += timedelta(hours=4, minutes=1)
    await staff_tick({"okno": desk.app})
    [soon] = [
        t for t in desk.api.sent("sendMessage") if str(t["chat_id"]) == str(IVAN) and "🔔" in str(t["text"])
    ]
    assert "— 24.11 19:00:" in str(soon["text"])  # 15:00 in Moscow
    desk.now += timedelta(hours=1, minutes=15)  # past due and a quarter of an hour: the supervisor, in Moscow
    await staff_tick({"okno": desk.app})
    [late] = [
        t for t in desk.api.sent("sendMessage") if str(t["chat_id"]) == str(VIKTOR) and "⏰" in str(t["text"])
    ]
    assert "срок был 24.11 15:00:" in str(late["text"])


async def test_a_head_in_krasnoyarsk_gets_the_digest_at_nine_of_his_morning(desk: StaffDesk) -> None:
    desk.now = datetime(2026, 11, 24, 2, 5, tzinfo=UTC)  # 05:05 in Moscow, 09:05 in Krasnoyarsk

    def digests() -> list[str]:
        return [
            str(p["text"])
            for p in desk.api.sent("sendMessage")
            if str(p["chat_id"]) == str(VIKTOR) and "Сводка за сутки" in str(p["text"])
        ]

    await staff_tick({"okno": desk.app})
    assert digests() == []  # Moscow's nine is four hours away
    await desk.write(VIKTOR, "/tz Красноярск")
    await staff_tick({"okno": desk.app})
    await staff_tick({"okno": desk.app})
    [digest] = digests()
    assert digest.startswith("📊 Сводка за сутки (24.11.2026)")
    desk.now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # 01:00 on the 25th in Krasnoyarsk: not yet nine
    await staff_tick({"okno": desk.app})
    assert len(digests()) == 1
