"""Deadline phrases ("до пятницы", "завтра к обеду", "by Friday") -> an aware UTC datetime.

dateparser alone misreads many Russian deadline phrases ("до пятницы" -> None, a bare "5" -> May), so
a small rule layer handles the common forms and dateparser is only a fallback for rarer absolute dates
(ISO, "December the 15th") that follow an explicit deadline marker. A date only counts when it is a
deadline: after a marker ("до", "к", "by", "срок"...), a self-marked phrase ("через 3 дня", "на
следующей неделе") or a bare relative day ("завтра"). So "счёт от 12.10.2026" gives nothing.
All arithmetic runs on naive local time in the company's tz; only the result is converted to UTC.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dateparser

from intake.date_words import (
    ACCUSATIVE,
    DAY_PARTS,
    END_OF_DAY,
    FIRM_CLOCK_MARKERS,
    IGNORECASE_FLAG,
    MARKER_BEFORE,
    MONTH_WORD,
    MONTHS,
    NUMBER_WORD,
    NUMBERS,
    STANDALONE_STARTS,
    TIME_AFTER,
    TIME_ALONE,
    TIME_BEFORE,
    WEEKDAY_WORD,
    WEEKDAYS,
    YEAR,
)

__all__ = ["END_OF_DAY", "find_due"]

_FRIDAY = 4
_WEEK = timedelta(days=7)
LATE_DAYS = 60  # how long a year-less date stays this year's after it passed (see calendar_date)


@dataclass(frozen=True)
class _When:
    """What a rule resolved: a local day, maybe an exact time, and how to roll forward if already past."""

    day: date
    at: time | None = None  # set when the phrase itself fixes the moment ("через 2 часа")
    roll: timedelta | None = None  # added once if the deadline is already past ("до пятницы" on Friday 19:00)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    due: datetime  # naive local


_Resolver = Callable[[re.Match[str], datetime, str], _When | None]


def _lookup(table: tuple[tuple[str, int], ...], word: str) -> int:
    word = word.lower()
    return next(value for prefix, value in table if word.startswith(prefix))


def _friday(today: date, weeks_ahead: int) -> _When:
    monday = today - timedelta(days=today.weekday()) + weeks_ahead * _WEEK
    return _When(monday + timedelta(days=_FRIDAY), roll=None if weeks_ahead else _WEEK)


def _add_months(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _add_business_days(day: date, count: int) -> date:
    while count > 0:  # weekends only; public holidays are not known here
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _relative_day(m: re.Match[str], now: datetime, marker: str) -> _When:
    word = m.group("rel").lower()
    days = 2 if word.startswith(("после", "the", "day")) else 0 if word in ("сегодня", "today") else 1
    return _When(now.date() + timedelta(days=days))


def _weekday(m: re.Match[str], now: datetime, marker: str) -> _When | None:
    word = m.group("wd").lower()
    if marker in ("в", "во") and word not in ACCUSATIVE and not word.isascii():
        return None
    weekday, today = _lookup(WEEKDAYS, word), now.date()
    if (m.group("which") or "").lower().startswith(("следующ", "next")):  # "next Friday" = next week's
        return _When(today - timedelta(days=today.weekday()) + _WEEK + timedelta(days=weekday))
    # Said on that very weekday it means today, until the deadline (18:00 by default) has passed.
    return _When(today + timedelta(days=(weekday - today.weekday()) % 7), roll=_WEEK)


def calendar_date(today: date, day: int, month: int, year_text: str | None) -> date | None:
    """A written date ("15.12.26", "15 декабря"). Without its year: this year's, or next year's once long
    past ("до 10.01" said in November). One passed in the last LATE_DAYS stays this year's: a missed deadline
    shows as overdue, while a year ahead would hide it ("до 28.11" read on 4 December)."""
    try:
        if year_text:
            year = int(year_text)
            return date(year + (2000 if year < 100 else 0), month, day)
        found = date(today.year, month, day)
        return found.replace(year=today.year + 1) if found < today - timedelta(days=LATE_DAYS) else found
    except ValueError:  # 31.02, 15.00, 29.02 of a short year
        return None


def _calendar_day(now: datetime, day: int, month: int, year_text: str | None) -> _When | None:
    found = calendar_date(now.date(), day, month, year_text)
    return _When(found) if found else None


def _day_month(m: re.Match[str], now: datetime, marker: str) -> _When | None:
    return _calendar_day(now, int(m.group("d")), _lookup(MONTHS, m.group("m")), m.group("y"))


def _numeric(m: re.Match[str], now: datetime, marker: str) -> _When | None:
    # Russian order day.month, never month/day.
    return _calendar_day(now, int(m.group("d")), int(m.group("m")), m.group("y"))


def _day_of_month(m: re.Match[str], now: datetime, marker: str) -> _When | None:
    day, first = int(m.group("d")), now.date().replace(day=1)
    for months in range(3):  # this month if still ahead, else the next month that has such a day
        start = _add_months(first, months)
        if day <= calendar.monthrange(start.year, start.month)[1] and start.replace(day=day) >= now.date():
            return _When(start.replace(day=day))
    return None


def _offset(m: re.Match[str], now: datetime, marker: str) -> _When:
    unit, intro = m.group("unit").lower(), m.group("intro").lower()
    num = m.group("num")
    count = int(num) if num and num.isdigit() else NUMBERS.get((num or "").lower(), 1)
    if num is None and intro.startswith(("в", "within")) and unit.startswith(("д", "day", "сут")):
        count = 0  # "в течение дня" = by the end of today
    if unit.startswith(("час", "hour", "мин", "min", "пол")):
        minutes = 30 if unit == "полчаса" else count * (60 if unit.startswith(("час", "hour")) else 1)
        moment = now.replace(second=0, microsecond=0) + timedelta(minutes=minutes)
        return _When(moment.date(), at=moment.time())
    today = now.date()
    if unit.startswith(("нед", "week")):
        return _When(today + count * _WEEK)
    if unit.startswith(("мес", "month")):
        return _When(_add_months(today, count))
    if m.group("biz"):
        return _When(_add_business_days(today, count))
    return _When(today + timedelta(days=count))


def _period_end(m: re.Match[str], now: datetime, marker: str) -> _When:
    unit, today = m.group("unit").lower(), now.date()
    ahead = int((m.group("which") or "").lower().startswith(("следующ", "next")))
    if unit.startswith(("недел", "week")):
        return _friday(today, ahead)
    if unit.startswith(("мес", "month")):
        month = _add_months(today.replace(day=1), ahead)
        return _When(month.replace(day=calendar.monthrange(month.year, month.month)[1]))
    return _When(date(today.year + ahead, 12, 31))


def _week(m: re.Match[str], now: datetime, marker: str) -> _When:
    # "на следующей неделе" has no day; we take the end of that week, Friday 18:00, not its Monday.
    which = (m.group("which") or m.group("which2") or "").lower()
    return _friday(now.date(), int(which.startswith(("следующ", "next"))))


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: _Resolver
    needs_marker: bool


def _rule(pattern: str, resolve: _Resolver, *, needs_marker: bool = True) -> _Rule:
    return _Rule(re.compile(pattern, IGNORECASE_FLAG), resolve, needs_marker)


_RULES = (
    _rule(
        r"(?<!\w)(?P<rel>послезавтра|сегодня|завтра|(?:the\s+)?day\s+after\s+tomorrow|today|tomorrow)(?!\w)",
        _relative_day,
        needs_marker=False,
    ),
    _rule(
        rf"(?<!\w)(?:(?P<which>следующ(?:ий|его|ему|ую|ей|ая)|next|this|эт(?:от|ого|ому|у|ой|а))\s+)?"
        rf"(?P<wd>{WEEKDAY_WORD})(?!\w)",
        _weekday,
    ),
    _rule(
        rf"(?<![\d.])(?P<d>[0-3]?\d)(?:-?(?:го|е|ое)|st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{MONTH_WORD}){YEAR}",
        _day_month,
    ),
    _rule(
        rf"(?<!\w)(?P<m>{MONTH_WORD})\s+(?:the\s+)?(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?!\d){YEAR}", _day_month
    ),
    _rule(r"(?<![\d.,/])(?P<d>[0-3]?\d)\.(?P<m>[01]\d)(?:\.(?P<y>\d{4}|\d{2}))?(?!\d|[.,]\d)", _numeric),
    _rule(
        r"(?:(?<!\w)the\s+)?(?<![\d.])(?P<d>[0-3]?\d)(?:(?:-?(?:го|е))?\s+числа|-?го|st|nd|rd|th)(?!\w)",
        _day_of_month,
    ),
    _rule(
        rf"(?<!\w)(?P<intro>через|в\s+течение|в\s+пределах|within|in)\s+(?:(?P<num>\d{{1,3}}|{NUMBER_WORD})\s+)?"
        r"(?:(?P<biz>рабоч(?:их|ий|ие|его)|business|working)\s+)?(?P<unit>полчаса|дн(?:я|ей)|день|сут(?:ок|ки)"
        r"|недел[юиья]|недель|час(?:а|ов)?|минут[уы]?|месяц(?:а|ев)?|days?|weeks?|hours?|minutes?|months?)(?!\w)",
        _offset,
        needs_marker=False,
    ),
    _rule(
        r"(?<!\w)конц[аеу]\s+(?:(?P<which>эт\w*|текущ\w*|следующ\w*)\s+)?(?P<unit>недели|месяца|года)(?!\w)",
        _period_end,
    ),
    _rule(
        r"(?<!\w)(?:the\s+)?end\s+of\s+(?:the\s+)?(?:(?P<which>this|current|next)\s+)?(?P<unit>week|month|year)(?!\w)",
        _period_end,
        needs_marker=False,
    ),
    _rule(
        r"(?<!\w)(?:на\s+(?:(?P<which>эт\w+|текущ\w+|следующ\w+)\s+)?неделе|(?P<which2>this|next)\s+week)(?!\w)",
        _week,
        needs_marker=False,
    ),
)


def _clock(m: re.Match[str], text: str) -> time | None:
    """The time of day a TIME match means, or None for a bare number that is probably a count."""
    for group, moment in DAY_PARTS.items():
        if m.group(group):
            return moment
    hour, marker = int(m.group("h")), " ".join((m.group("cm") or "").lower().split())
    if not (m.group("mi") or m.group("suf") or m.group("ap")):
        # "до 17" is a time; "в 3 экземплярах" is not: a bare hour after "в"/"at" must end the phrase.
        firm = marker in FIRM_CLOCK_MARKERS
        if not (firm or (marker and not re.match(r"\s*[^\W\d_]", text[m.end("h") :]))):
            return None
    ap = (m.group("ap") or "").lower()
    if ap in ("дня", "вечера", "pm", "p.m.") and hour < 12:
        hour += 12
    elif ap in ("ночи", "am", "a.m.") and hour == 12:
        hour = 0
    elif not ap and 1 <= hour <= 7:
        hour += 12  # business hours: "к 5" / "до 3:30" mean the afternoon
    return time(hour, int(m.group("mi") or 0))


def _rule_hit(text: str, m: re.Match[str], rule: _Rule, now: datetime) -> _Hit | None:
    found = MARKER_BEFORE.search(text, max(0, m.start() - 40), m.start())
    if rule.needs_marker and not found:
        return None
    when = rule.resolve(m, now, " ".join(found.group("marker").lower().split()) if found else "")
    if when is None:
        return None
    start, end, at = (found.start() if found else m.start()), m.end(), when.at
    if at is None and (after := TIME_AFTER.match(text, end)) and (at := _clock(after, text)):
        end = after.end("time")
    before = TIME_BEFORE.search(text, max(0, start - 30), start) if at is None else None
    if before and (at := _clock(before, text)):
        start = before.start("time")
    due = datetime.combine(when.day, at or END_OF_DAY)
    return _Hit(start, end, due + when.roll if when.roll and due <= now else due)


def _standalone_time_hit(text: str, m: re.Match[str], now: datetime) -> _Hit | None:
    words = m.group().lower().split()
    marked = (
        m.group("eod")
        or words[0] in STANDALONE_STARTS
        or MARKER_BEFORE.search(text, max(0, m.start() - 40), m.start())
    )
    if not marked or (m.group("h") and not (m.group("mi") or m.group("suf") or m.group("ap"))):
        return None  # "вечером" or "до 17" alone is too vague without a day
    at = _clock(m, text)
    if at is None:
        return None
    due = datetime.combine(now.date(), at)
    return _Hit(m.start(), m.end(), due if due > now else due + timedelta(days=1))


def _first_rule_hit(text: str, now: datetime) -> _Hit | None:
    hits: list[_Hit] = []
    day_spans: list[tuple[int, int]] = []
    for rule in _RULES:
        for m in rule.pattern.finditer(text):
            if hit := _rule_hit(text, m, rule, now):
                hits.append(hit)
                day_spans.append(m.span())
    for m in TIME_ALONE.finditer(text):
        overlaps = any(m.start() < end and start < m.end() for start, end in day_spans)
        if not overlaps and (hit := _standalone_time_hit(text, m, now)):
            hits.append(hit)
    return min(hits, key=lambda hit: (hit.start, -hit.end), default=None)


_FALLBACK_MARKER = re.compile(
    r"(?<!\w)(?:не\s+позднее|не\s+позже|до|ко|к|by|until|till|before|due(?:\s+(?:by|on))?|срок(?:\s*[:—–-])?)\s+",
    IGNORECASE_FLAG,
)
_CLAUSE_END = re.compile(r"[,;!?\n]|\.(?:\s|$)")
_WORD = re.compile(r"\S+")


def _dateparser_hit(text: str, now: datetime) -> _Hit | None:
    """Rarer absolute dates after a deadline marker ("by 2026-12-15", "until December the 15th")."""
    settings: dict[str, Any] = {
        "RELATIVE_BASE": now,
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month"],  # a bare "5" or "декабря" is not a deadline date
    }
    for marker in _FALLBACK_MARKER.finditer(text):
        clause = _CLAUSE_END.search(text, marker.end())
        words = list(_WORD.finditer(text, marker.end(), clause.start() if clause else len(text)))[:4]
        with_digits = [i for i, word in enumerate(words) if any(c.isdigit() for c in word.group())]
        if not with_digits:  # REQUIRE_PARTS needs a day number; skip the parse calls ("к сожалению")
            continue
        for count in range(len(words), with_digits[0], -1):  # longest first, so a trailing time is kept
            end = words[count - 1].end()
            parsed = dateparser.parse(text[marker.end() : end], languages=["ru", "en"], settings=settings)
            if parsed is not None and parsed.date() >= now.date():
                due = parsed if parsed.time() != time(0) else datetime.combine(parsed.date(), END_OF_DAY)
                return _Hit(marker.start(), end, due)
    return None


def find_due(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[datetime, str] | None:
    """The first deadline in the text as (UTC-aware datetime, the exact phrase), or None."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")  # a naive now would silently use the host's tz
    local_now = now.astimezone(tz).replace(tzinfo=None)
    hit = _first_rule_hit(text, local_now) or _dateparser_hit(text, local_now)
    if hit is None:
        return None
    return hit.due.replace(tzinfo=tz).astimezone(UTC), text[hit.start : hit.end]
