"""Local time on the staff's pages: times shown in the reader's zone, a date picked in a form read in it.

Stored times are UTC; a manager reads and writes local time — the company's, or their own where they set
one (a branch in Krasnoyarsk, web.ui.my_tz), as the staff bot does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from intake.date_words import END_OF_DAY


def local_date(moment: datetime | None, tz: ZoneInfo) -> date | None:
    return moment.astimezone(tz).date() if moment else None


def due_from_date(raw: str, tz: ZoneInfo) -> datetime | None:
    """A form's YYYY-MM-DD due date: the end of that business day in the given zone, stored in UTC
    (ValueError for a malformed one)."""
    if not raw:
        return None
    day = datetime.strptime(raw, "%Y-%m-%d").date()
    return datetime.combine(day, END_OF_DAY, tzinfo=tz).astimezone(UTC)
