"""The first-response deadline: the company's SLA minutes, counted only in its business hours when set; and
when a client who owes us an answer counts as silent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.sla import business_due, client_wait_due
from storage.db import Database
from storage.models import CompanySetting, Request
from storage.repos.company_settings import (
    CLIENT_WAIT_DAYS,
    SLA_KEY,
    BusinessHours,
    SlaSettings,
    save_sla_settings,
    sla_settings,
)
from tests.factories import inbound

MSK = ZoneInfo("Europe/Moscow")
HOURS = BusinessHours(days=(0, 1, 2, 3, 4), start=time(9, 0), end=time(18, 0))


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)  # 2026-11-23 is a Monday


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (msk(24, 10), 60, msk(24, 11)),  # inside the day
        (msk(24, 17, 30), 60, msk(25, 9, 30)),  # 30 min today, 30 tomorrow morning
        (msk(24, 22), 60, msk(25, 10)),  # at night: the clock starts at 9:00
        (msk(27, 17), 120, msk(30, 10)),  # Friday evening -> Monday
        (msk(28, 12), 30, msk(30, 9, 30)),  # Saturday -> Monday
        (msk(24, 8), 9 * 60 + 1, msk(25, 9, 1)),  # a whole business day and a minute
    ],
)
def test_business_hours_clock(start: datetime, minutes: int, due: datetime) -> None:
    got = business_due(start.astimezone(UTC), timedelta(minutes=minutes), HOURS, MSK)
    assert got == due and got.tzinfo == UTC


def test_holidays_count_nothing_and_are_stored() -> None:
    holiday = BusinessHours(
        days=HOURS.days, start=HOURS.start, end=HOURS.end, holidays=frozenset({date(2026, 11, 25)})
    )
    assert business_due(msk(24, 17, 30), timedelta(minutes=60), holiday, MSK) == msk(26, 9, 30)
    assert not holiday.is_workday(date(2026, 11, 25)) and holiday.is_workday(date(2026, 11, 26))


@pytest.mark.storage
async def test_holidays_survive_the_database(db: Database) -> None:
    hours = BusinessHours(holidays=frozenset({date(2026, 12, 31), date(2027, 1, 1)}))
    async with db.session() as session:
        await save_sla_settings(session, SlaSettings(60, hours), staff_id=None)
        await session.commit()
    async with db.session() as session:
        assert (await sla_settings(session)).business_hours == hours


def test_no_business_hours_means_around_the_clock() -> None:
    start = msk(28, 23)
    assert business_due(start, timedelta(minutes=60), None, MSK) == msk(29, 0)


def test_bad_business_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="start before"):
        BusinessHours(start=time(18), end=time(9))
    with pytest.raises(ValueError, match="0 \\(Monday\\)"):
        BusinessHours(days=(7,))


@pytest.mark.storage
async def test_stored_sla_applies_to_new_requests(db: Database) -> None:
    async with db.session() as session:
        assert await sla_settings(session) == SlaSettings()
        await save_sla_settings(session, SlaSettings(30, HOURS), staff_id=None)
        await session.commit()
    async with db.session() as session:
        assert await sla_settings(session) == SlaSettings(30, HOURS)
    await accept(db, inbound("e1", sent_at=msk(24, 17, 50).astimezone(UTC)), policy=IntakePolicy())
    async with db.session() as session:
        row = (await session.execute(select(Request))).scalars().one()
        assert row.sla_due_at == msk(25, 9, 20)


def _waiting(since: datetime, until: datetime | None = None, status: str = "waiting_client") -> Request:
    return Request(
        contact_id=1,
        origin_channel="api",
        status=status,
        last_activity_at=since.astimezone(UTC),
        waiting_until=until,
    )


@pytest.mark.parametrize(
    ("since", "days", "due"),
    [
        (msk(24, 15), 2, msk(26, 15)),  # Tuesday 15:00, two working days: Thursday 15:00
        (msk(26, 15), 2, msk(30, 15)),  # Thursday: over the weekend to Monday
        (msk(27, 20), 1, msk(30, 18)),  # Friday night: Monday's whole day
        (msk(24, 9), 1, msk(24, 18)),  # one whole day from the opening
    ],
)
def test_a_silent_client_counts_whole_business_days(since: datetime, days: int, due: datetime) -> None:
    assert (
        client_wait_due(_waiting(since), SlaSettings(business_hours=HOURS, client_wait_days=days), MSK) == due
    )


def test_a_holiday_is_no_day_of_waiting() -> None:
    holiday = BusinessHours(holidays=frozenset({date(2026, 11, 25)}))
    sla = SlaSettings(business_hours=holiday, client_wait_days=2)
    assert client_wait_due(_waiting(msk(24, 15)), sla, MSK) == msk(27, 15)


def test_the_clients_own_date_wins_and_only_a_waiting_request_waits() -> None:
    given = msk(30, 18).astimezone(UTC)
    sla = SlaSettings(business_hours=HOURS)
    assert client_wait_due(_waiting(msk(24, 15), given), sla, MSK) == given
    assert client_wait_due(_waiting(msk(24, 15), given), SlaSettings(client_wait_days=0), MSK) == given
    assert client_wait_due(_waiting(msk(24, 15)), SlaSettings(client_wait_days=0), MSK) is None  # turned off
    assert client_wait_due(_waiting(msk(24, 15), status="in_work"), sla, MSK) is None
    # no calendar: calendar days
    assert client_wait_due(_waiting(msk(27, 20)), SlaSettings(), MSK) == msk(29, 20)


@pytest.mark.storage
async def test_the_silent_days_are_stored_and_an_old_row_keeps_the_default(db: Database) -> None:
    async with db.session() as session:
        await save_sla_settings(session, SlaSettings(30, HOURS, client_wait_days=5), staff_id=None)
        await session.commit()
    async with db.session() as session:
        assert (await sla_settings(session)).client_wait_days == 5
        row = await session.get(CompanySetting, SLA_KEY)
        assert row is not None
        row.value = {"first_response_minutes": 30}  # saved before the setting existed
        await session.commit()
    async with db.session() as session:
        assert (await sla_settings(session)).client_wait_days == CLIENT_WAIT_DAYS == 2
