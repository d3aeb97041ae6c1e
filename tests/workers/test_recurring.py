"""Recurring tasks: the next date in company time (month ends keep their day), and the job that creates the
next occurrence once, when a task is done or its due time has passed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from okno.services import Services
from storage.models import Task
from storage.repos.accounts import add_staff
from workers.recurrence import first_due_after, next_due, parse_rule
from workers.recurring import roll_recurring_tasks

MSK = ZoneInfo("Europe/Moscow")


def msk(y: int, m: int, d: int, hour: int = 18) -> datetime:
    return datetime(y, m, d, hour, tzinfo=MSK)


def chain(start: datetime, rule: str, steps: int) -> list[str]:
    out, due = [], start
    for _ in range(steps):
        due, rule = next_due(due, rule, MSK)
        out.append(due.astimezone(MSK).strftime("%Y-%m-%d %H:%M"))
    return out


def test_monthly_keeps_the_31st_through_short_months() -> None:
    assert chain(msk(2026, 1, 31), "monthly", 4) == [
        "2026-02-28 18:00",
        "2026-03-31 18:00",
        "2026-04-30 18:00",
        "2026-05-31 18:00",
    ]


def test_monthly_on_the_29th_meets_a_leap_february_and_the_year_end() -> None:
    assert chain(msk(2027, 12, 29), "monthly", 3) == [
        "2028-01-29 18:00",
        "2028-02-29 18:00",
        "2028-03-29 18:00",
    ]
    assert chain(msk(2026, 12, 25), "monthly", 1) == ["2027-01-25 18:00"]  # the VAT report, across a year


def test_quarterly_and_yearly_keep_their_day() -> None:
    """The quarterly VAT return on a quarter's last day, an annual report on 29 February."""
    assert chain(msk(2026, 1, 31), "quarterly", 4) == [
        "2026-04-30 18:00",
        "2026-07-31 18:00",
        "2026-10-31 18:00",
        "2027-01-31 18:00",
    ]
    assert chain(msk(2026, 12, 25), "quarterly", 1) == ["2027-03-25 18:00"]
    assert chain(msk(2028, 2, 29), "yearly", 4) == [
        "2029-02-28 18:00",
        "2030-02-28 18:00",
        "2031-02-28 18:00",
        "2032-02-29 18:00",
    ]
    assert next_due(msk(2026, 3, 31), "quarterly", MSK)[1] == "quarterly;bymonthday=31"
    assert next_due(msk(2026, 4, 25), "yearly", MSK) == (msk(2027, 4, 25), "yearly")


def test_daily_and_weekly_keep_the_local_time() -> None:
    assert chain(msk(2026, 2, 28, 9), "daily", 2) == ["2026-03-01 09:00", "2026-03-02 09:00"]
    assert chain(msk(2026, 12, 28, 9), "weekly", 1) == ["2027-01-04 09:00"]
    berlin = ZoneInfo("Europe/Berlin")  # a zone with summer time: 09:00 stays 09:00 across the switch
    due, _ = next_due(datetime(2026, 3, 28, 9, tzinfo=berlin), "daily", berlin)
    assert due.astimezone(berlin).hour == 9 and due.utcoffset() == timedelta(hours=2)


def test_a_long_forgotten_task_moves_to_the_first_future_date() -> None:
    now = msk(2026, 11, 24, 12)
    due, rule = first_due_after(msk(2026, 1, 31), "monthly", MSK, now)
    assert due == msk(2026, 11, 30) and rule == "monthly;bymonthday=31"


def test_unknown_rules_are_refused() -> None:
    assert parse_rule("monthly;bymonthday=30") == ("monthly", 30)
    with pytest.raises(ValueError, match="unknown recurrence"):
        parse_rule("hourly")


@pytest.mark.storage
async def test_the_job_creates_each_next_occurrence_once(services: Services) -> None:
    now = datetime(2026, 11, 24, 7, tzinfo=UTC)
    services.jobs.clock = lambda: now
    async with services.db.session() as session:
        anna = await add_staff(session, name="Анна")
        session.add_all(
            [
                Task(
                    title="НДС",
                    assignee_id=anna.id,
                    recurrence="monthly",
                    due_at=msk(2026, 10, 25),
                    status="open",
                ),
                Task(
                    title="Сверка",
                    assignee_id=anna.id,
                    recurrence="weekly",
                    due_at=msk(2026, 11, 30),
                    status="done",
                ),
                Task(title="Будущая", recurrence="daily", due_at=msk(2026, 12, 1), status="open"),
                Task(title="Отменена", recurrence="daily", due_at=msk(2026, 11, 1), status="cancelled"),
            ]
        )
        await session.commit()
    ctx = {"okno": services.jobs}
    counts = await asyncio.gather(roll_recurring_tasks(ctx), roll_recurring_tasks(ctx))
    assert sum(counts) == 2  # two runners at once: each occurrence spawns one successor
    assert await roll_recurring_tasks(ctx) == 0
    async with services.db.session() as session:
        tasks = (await session.execute(select(Task).order_by(col(Task.id)))).scalars().all()
    made = {t.title: t for t in tasks[4:]}
    assert sorted(made) == ["НДС", "Сверка"]
    assert made["НДС"].due_at == msk(2026, 11, 25) and made["НДС"].recurrence == "monthly"
    assert made["Сверка"].due_at == msk(2026, 12, 7) and made["НДС"].assignee_id == tasks[0].assignee_id
    assert (
        tasks[0].recurrence is None and tasks[0].status == "open"
    )  # the overdue one stays, without the rule
