"""When the first answer is due: the company's SLA minutes, counted in business hours when it set them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from intake.policy import IntakePolicy
from storage.repos.company_settings import BusinessHours, sla_settings

MAX_DAYS = 400  # a week with no business day cannot be saved, but a bad row must never loop forever


def business_due(start: datetime, budget: timedelta, hours: BusinessHours | None, tz: ZoneInfo) -> datetime:
    """`start + budget` counting business hours only (a message at 22:00 waits till 9:00; a holiday
    counts nothing)."""
    if hours is None:
        return start + budget
    local, remaining = start.astimezone(tz), budget
    for _ in range(MAX_DAYS):
        day = local.date()
        opens = datetime.combine(day, hours.start, tzinfo=tz)
        closes = datetime.combine(day, hours.end, tzinfo=tz)
        if hours.is_workday(day) and local < closes:
            local = max(local, opens)
            if remaining <= closes - local:
                return (local + remaining).astimezone(UTC)
            remaining -= closes - local
        local = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start + budget


async def sla_due_for(session: AsyncSession, start: datetime, policy: IntakePolicy) -> datetime:
    settings = await sla_settings(session)
    minutes = settings.first_response_minutes
    budget = timedelta(minutes=minutes) if minutes else policy.sla_first_response
    return business_due(start, budget, settings.business_hours, policy.tz)
