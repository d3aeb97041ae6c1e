"""Recurrence rules — "daily", "weekly", "monthly", "quarterly", "yearly" (a clamped month end kept as
"monthly;bymonthday=31" or "quarterly;bymonthday=31", so the 31st comes back after a 30-day month) —
stepped in the company's time, keeping the local wall-clock time: the one calendar both recurring tasks
(workers/recurring.py) and repeating broadcasts (workers/broadcasts.py) follow."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

RULES = ("daily", "weekly", "monthly", "quarterly", "yearly")
MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}  # the rules stepped by months, on the first one's day
MAX_STEPS = 1000  # an occurrence left for years still moves to the first future date without looping forever


def parse_rule(recurrence: str) -> tuple[str, int | None]:
    """ "monthly" or "monthly;bymonthday=31" -> ("monthly", 31); the day a clamped month end came from."""
    name, _, param = recurrence.partition(";")
    if name not in RULES:
        raise ValueError(f"unknown recurrence {recurrence!r}: one of {', '.join(RULES)}")
    day = int(param.removeprefix("bymonthday=")) if param.startswith("bymonthday=") else None
    return name, day


def _add_months(day: date, months: int, anchor: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(anchor, calendar.monthrange(year, month + 1)[1]))


def next_due(due: datetime, recurrence: str, tz: ZoneInfo) -> tuple[datetime, str]:
    """The next occurrence in company time, and the rule to store on it (keeps a month end's real day)."""
    name, anchor = parse_rule(recurrence)
    local = due.astimezone(tz)
    if name == "daily":
        day = local.date() + timedelta(days=1)
    elif name == "weekly":
        day = local.date() + timedelta(days=7)
    else:
        anchor = anchor or local.day
        day = _add_months(local.date(), MONTHS[name], anchor)
    rule = f"{name};bymonthday={anchor}" if name in MONTHS and anchor and anchor > 28 else name
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(due.tzinfo), rule


def first_due_after(due: datetime, recurrence: str, tz: ZoneInfo, now: datetime) -> tuple[datetime, str]:
    """The first occurrence after `now` (the next one, unless a run came late), and its rule."""
    nxt, rule = next_due(due, recurrence, tz)
    for _ in range(MAX_STEPS):
        if nxt > now:
            break
        nxt, rule = next_due(nxt, rule, tz)
    return nxt, rule
