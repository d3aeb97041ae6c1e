"""When the first answer is due: the company's SLA minutes, counted in business hours when it set them; and
when a client who owes us an answer has been silent too long."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from intake.policy import IntakePolicy
from storage.models import Request
from storage.repos.company_settings import BusinessHours, SlaSettings, sla_settings

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


def client_wait_due(request: Request, sla: SlaSettings, tz: ZoneInfo) -> datetime | None:
    """When a request waiting for the client counts as the client gone silent: the date a manager gave, else
    client_wait_days business days (whole working days: Monday 15:00 and two days is Wednesday 15:00) from
    its last activity — set waiting, or our latest reminder. None: not waiting, or the company said never."""
    if request.status != "waiting_client":
        return None
    if request.waiting_until is not None:
        return request.waiting_until
    if not sla.client_wait_days:
        return None
    hours = sla.business_hours
    if hours is None:
        return request.last_activity_at + timedelta(days=sla.client_wait_days)
    workday = datetime.combine(date.min, hours.end) - datetime.combine(date.min, hours.start)
    return business_due(request.last_activity_at, workday * sla.client_wait_days, hours, tz)


def client_silent(request: Request, sla: SlaSettings, tz: ZoneInfo, now: datetime) -> bool:
    """Waiting for a client who has not answered by their date."""
    due = client_wait_due(request, sla, tz)
    return due is not None and due <= now
