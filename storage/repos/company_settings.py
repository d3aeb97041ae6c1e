"""Company settings kept in the database (edited by an admin in the web UI): SLA, request assignment and
the client's rating of a request once done."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CompanySetting
from storage.repos.audit import audit
from storage.types import utcnow

SLA_KEY = "sla"
ASSIGNMENT_KEY = "assignment"
CURSOR_KEY = "assignment_cursor"  # state, not configuration: the last manager the rotation picked
NOTICES_KEY = "client_notices"
LOW_SCORE = 3


@dataclass(frozen=True)
class BusinessHours:
    """The company calendar: the SLA clock runs only on these weekdays (0 = Monday) between start and end,
    company time, and never on a holiday. Intake sets each request's SLA deadline with it; the staff bot's
    breach alerts read that deadline, so there is one calendar, edited by an admin in the web UI."""

    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: time = time(9, 0)
    end: time = time(18, 0)
    holidays: frozenset[date] = frozenset()

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def __post_init__(self) -> None:
        if not self.days or any(d not in range(7) for d in self.days):
            raise ValueError("business days are 0 (Monday) to 6 (Sunday), at least one")
        if self.start >= self.end:
            raise ValueError("business hours must start before they end")


CLIENT_WAIT_DAYS = 2
CLIENT_WAIT_MAX = 60


@dataclass(frozen=True)
class SlaSettings:
    first_response_minutes: int | None = None  # None: OKNO_INTAKE__SLA_FIRST_RESPONSE_MINUTES
    business_hours: BusinessHours | None = None  # None: the clock runs around the clock
    # A request waiting for the client this many business days with no answer: its assignee is told (0: never)
    client_wait_days: int = CLIENT_WAIT_DAYS


@dataclass(frozen=True)
class AssignmentSettings:
    round_robin: bool = False  # off: a client without a responsible manager waits in the shared queue


@dataclass(frozen=True)
class ClientNotices:
    """What okno writes to clients by itself; writing to clients unasked is the company's choice, so each is
    off until an admin turns it on (the SLA page)."""

    ask_rating: bool = False  # the rating question once a request is done (workers/survey.py)
    low_score: int = LOW_SCORE  # a rating this low or lower is told to the head at once (1..4)
    # A client who opens a request while the company is closed (the SLA calendar) is told when it opens
    # (workers/off_hours.py).
    off_hours: bool = False


def _hours_from(raw: Any) -> BusinessHours | None:
    if not isinstance(raw, dict):
        return None
    try:
        return BusinessHours(
            days=tuple(int(d) for d in raw.get("days", ())),
            start=time.fromisoformat(str(raw.get("start"))),
            end=time.fromisoformat(str(raw.get("end"))),
            holidays=frozenset(date.fromisoformat(str(d)) for d in raw.get("holidays") or ()),
        )
    except (TypeError, ValueError):
        return None  # a damaged row must not stop intake: the clock runs around the clock


async def sla_settings(session: AsyncSession) -> SlaSettings:
    row = await session.get(CompanySetting, SLA_KEY)
    if row is None:
        return SlaSettings()
    minutes, wait = row.value.get("first_response_minutes"), row.value.get("client_wait_days")
    return SlaSettings(
        first_response_minutes=int(minutes) if isinstance(minutes, int) and minutes > 0 else None,
        business_hours=_hours_from(row.value.get("business_hours")),
        # a row saved before the setting existed (or damaged) keeps the default
        client_wait_days=wait if isinstance(wait, int) and 0 <= wait <= CLIENT_WAIT_MAX else CLIENT_WAIT_DAYS,
    )


async def assignment_settings(session: AsyncSession) -> AssignmentSettings:
    row = await session.get(CompanySetting, ASSIGNMENT_KEY)
    return AssignmentSettings(round_robin=bool(row and row.value.get("round_robin")))


async def client_notices(session: AsyncSession) -> ClientNotices:
    row = await session.get(CompanySetting, NOTICES_KEY)
    if row is None:
        return ClientNotices()
    low = row.value.get("low_score")
    return ClientNotices(
        ask_rating=bool(row.value.get("ask_rating")),
        low_score=low if isinstance(low, int) and 1 <= low <= 4 else LOW_SCORE,
        off_hours=bool(row.value.get("off_hours")),
    )


async def _store(session: AsyncSession, key: str, value: dict[str, Any], staff_id: int | None) -> None:
    row = await session.get(CompanySetting, key)
    if row is None:
        row = CompanySetting(key=key)
        session.add(row)
    row.value, row.updated_by_id, row.updated_at = value, staff_id, utcnow()
    await audit(
        session,
        actor_id=staff_id,
        action="settings.change",
        entity=key,
        entity_id=None,
        details=value,
    )


def _hours_value(hours: BusinessHours) -> dict[str, Any]:
    return {
        "days": list(hours.days),
        "start": hours.start.isoformat("minutes"),
        "end": hours.end.isoformat("minutes"),
        "holidays": sorted(d.isoformat() for d in hours.holidays),
    }


async def save_sla_settings(session: AsyncSession, sla: SlaSettings, *, staff_id: int | None) -> None:
    hours = sla.business_hours
    value: dict[str, Any] = {
        "first_response_minutes": sla.first_response_minutes,
        "business_hours": None if hours is None else _hours_value(hours),
        "client_wait_days": sla.client_wait_days,
    }
    await _store(session, SLA_KEY, value, staff_id)


async def save_assignment_settings(
    session: AsyncSession, assignment: AssignmentSettings, *, staff_id: int | None
) -> None:
    value = asdict(assignment)
    await _store(session, ASSIGNMENT_KEY, value, staff_id)


async def save_client_notices(session: AsyncSession, notices: ClientNotices, *, staff_id: int | None) -> None:
    await _store(session, NOTICES_KEY, asdict(notices), staff_id)
