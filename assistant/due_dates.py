"""Deadline phrases (ru, uk, en) to an aware datetime relative to "now" in the company's time zone.

"до пятницы" = Friday end of day; "завтра в 15:00" = that hour; "через неделю" = a week from today."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from intake.date_words import DAY_PARTS, END_OF_DAY, NUMBERS, TIME_ALONE
from intake.dates import calendar_date

_WEEKDAYS: dict[str, int] = {}
for _n, _forms in enumerate(
    (
        "понедельник понедельника понедельнику monday mon понеділок понеділка",
        "вторник вторника вторнику tuesday tue вівторок вівторка",
        "среда среду среды среде wednesday wed середа середу середи",
        "четверг четверга четвергу thursday thu четвер четверга",
        "пятница пятницу пятницы пятнице friday fri пʼятниця пʼятницю п'ятниця п'ятницю п'ятниці",
        "суббота субботу субботы субботе saturday sat субота суботу суботи",
        "воскресенье воскресенья воскресенью sunday sun неділя неділю неділі",
    )
):
    for _f in _forms.split():
        _WEEKDAYS[_f] = _n
_MONTHS = {
    m: i + 1
    for i, forms in enumerate(
        (
            "января январь january jan січня",
            "февраля февраль february feb лютого",
            "марта март march mar березня",
            "апреля апрель april apr квітня",
            "мая май may травня",
            "июня июнь june jun червня",
            "июля июль july jul липня",
            "августа август august aug серпня",
            "сентября сентябрь september sep вересня",
            "октября октябрь october oct жовтня",
            "ноября ноябрь november nov листопада",
            "декабря декабрь december dec грудня",
        )
    )
    for m in forms.split()
}
_TIME = re.compile(
    r"(?:\b(?:в|к|до|at|by|о|на)\s+)?\b(\d{1,2})(?::|\.)(\d{2})\b|\b(\d{1,2})\s*(am|pm)\b", re.I
)
_IN = re.compile(
    r"\b(?:через|in|за)\s+(\d+|[а-яa-zі]+)?\s*(час|часа|часов|hours?|годин[уи]?|дн|день|дня|дней|days?|днів|"
    r"недел[юиь]|weeks?|тижн[іь]|тиждень|месяц|месяца|months?|місяць)",
    re.I,
)
# A part of the day before its end, named as a deadline, read with intake's words for it: "завтра к обеду"
# is 13:00, "by noon" 12:00, "утром" 10:00 (intake/date_words.py); the day's end stays a date without an hour.
_PARTS_BEFORE_END = ("lunch", "noon", "morning")
_DATE_NUM = re.compile(r"\b(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?\b")
_DATE_WORD = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([а-яa-zі]+)|\b([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I
)


@dataclass(frozen=True)
class Due:
    at: datetime
    has_time: bool

    def label(self) -> str:
        return self.at.strftime("%Y-%m-%dT%H:%M" if self.has_time else "%Y-%m-%d")


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'ʼ]+", text.casefold().replace("ё", "е"))


def _clock(text: str) -> time | None:
    for m in _TIME.finditer(text):
        if m.group(1):
            hour, minute = int(m.group(1)), int(m.group(2))
            # "15.00" is an hour, "1.12" a date: with a dot, minutes 01-12 read as a month
            dotted = text[m.end(1)] == "."
            if hour < 24 and minute < 60 and not (dotted and 1 <= minute <= 12):
                return time(hour, minute)
        elif m.group(3):
            hour = int(m.group(3)) % 12 + (12 if m.group(4).lower() == "pm" else 0)
            return time(hour, 0)
    for m in TIME_ALONE.finditer(text):
        for part in _PARTS_BEFORE_END:
            if m.group(part):
                return DAY_PARTS[part]
    return None


def _day(text: str, words: list[str], today: date) -> date | None:
    joined = " ".join(words)
    for phrase, days in (
        ("послезавтра", 2),
        ("післязавтра", 2),
        ("day after tomorrow", 2),
        ("завтра", 1),
        ("tomorrow", 1),
        ("сегодня", 0),
        ("today", 0),
        ("сьогодні", 0),
        ("tonight", 0),
    ):
        if phrase in joined:
            return today + timedelta(days=days)
    if re.search(r"конц\w* недел|end of (the )?week|кінця тижня", joined):
        return today + timedelta(days=(4 - today.weekday()) % 7)
    if re.search(r"конц\w* месяц|end of (the )?month|кінця місяця", joined):
        nxt = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        return nxt - timedelta(days=1)
    for word in words:
        if word in _WEEKDAYS:
            ahead = (_WEEKDAYS[word] - today.weekday()) % 7
            return today + timedelta(days=ahead or 7)
    found = _calendar_date(text, today)
    # "до конца дня" is today's unless a day is named with it ("в пятницу до конца дня")
    if found is None and re.search(
        r"конц\w* (рабочего )?дня|end of (the )?day|\beod\b|кінця (робочого )?дня", joined
    ):
        return today
    return found


def _calendar_date(text: str, today: date) -> date | None:
    m = _DATE_NUM.search(text)
    if m:
        return calendar_date(today, int(m.group(1)), int(m.group(2)), m.group(3))
    for m in _DATE_WORD.finditer(text.casefold()):
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if month in _MONTHS:
            return calendar_date(today, int(day), _MONTHS[month], None)
    return None


def _offset(text: str, now: datetime) -> Due | None:
    m = _IN.search(text.casefold())
    if not m:
        return None
    count_word = (m.group(1) or "1").lower()
    count = int(count_word) if count_word.isdigit() else NUMBERS.get(count_word, 1)
    unit = m.group(2).lower()
    if unit.startswith(("час", "hour", "годин")):
        return Due(now + timedelta(hours=count), True)
    if unit.startswith(("нед", "week", "тиж")):
        days = 7 * count
    elif unit.startswith(("мес", "month", "міс")):
        days = 30 * count
    else:
        days = count
    return Due(datetime.combine(now.date() + timedelta(days=days), END_OF_DAY, now.tzinfo), False)


def resolve_due(phrase: str, now: datetime) -> Due | None:
    """The deadline a phrase names, or None when it names none."""
    if not phrase.strip():
        return None
    offset = _offset(phrase, now)
    if offset is not None:
        return offset
    words = _words(phrase)
    day = _day(phrase, words, now.date())
    clock = _clock(phrase)
    if day is None and clock is None:
        return None
    if day is None:
        day = now.date() if clock and clock > now.time() else now.date() + timedelta(days=1)
    return Due(datetime.combine(day, clock or END_OF_DAY, now.tzinfo), clock is not None)
