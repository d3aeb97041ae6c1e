"""The words and patterns of Russian and English deadline phrases, used by intake/dates.py."""

from __future__ import annotations

import re
from datetime import time

END_OF_DAY = time(18, 0)  # a deadline day with no time of day means the end of that business day
IGNORECASE_FLAG = re.IGNORECASE

# Words that turn the date right after them into a deadline ("до 15 декабря", "by Friday", "срок: 15.12").
MARKER = (
    r"(?:не\s+позднее|не\s+позже|до|ко|к|во|в|by|until|till|before|on|due(?:\s+(?:by|on))?"
    r"|(?:крайний\s+)?срок(?:\s*[:—–-])?(?:\s+до)?|дедлайн\s*[:—–-]?|deadline\s*[:—–-]?)"
)
MARKER_BEFORE = re.compile(rf"(?<!\w)(?P<marker>{MARKER})\s*$", IGNORECASE_FLAG)

WEEKDAY_WORD = (
    r"понедельник(?:а|у|ом)?|вторник(?:а|у|ом)?|сред(?:а|ы|у|е|ой)|четверг(?:а|у|ом)?"
    r"|пятниц(?:а|ы|у|е|ей)|суббот(?:а|ы|у|е|ой)|воскресень(?:е|я|ю|ем)"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
WEEKDAY_STEMS = "понед втор сред четв пятн субб воскр mon tue wed thu fri sat sun"
WEEKDAYS = tuple((stem, i % 7) for i, stem in enumerate(WEEKDAY_STEMS.split()))
# After "в"/"во" only the accusative names a day ("в среду"); "в среде" means "in the environment".
ACCUSATIVE = {"понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"}

MONTH_WORD = (
    r"(?:январ[ьяе]|феврал[ьяе]|март[ае]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|август[ае]?|сентябр[ьяе]"
    r"|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]|(?:янв|февр?|мар|апр|июн|июл|авг|сент?|окт|нояб?|дек)\.?"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?)(?!\w)"
)
# Looked up by prefix in this order, so "мар" (март) is tried before "ма" (май).
MONTH_STEMS = "янв фев мар апр ма июн июл авг сен окт ноя дек jan feb mar apr may jun jul aug sep oct nov dec"
MONTHS = tuple((stem, i % 12 + 1) for i, stem in enumerate(MONTH_STEMS.split()))
YEAR = r"(?:,?\s+(?P<y>\d{4})(?:\s*(?:года|год|г\.|г)(?!\w))?)?(?!\d)"

# Small counts written as words ("через два дня", "в течение трёх дней", "within a week").
NUMBER_FORMS = (
    "один одного одну одна one a an",
    "два две двух пару пары two дві",
    "три трёх трех three",
    "четыре четырёх четырех four",
    "пять пяти five",
    "шесть шести six",
    "семь семи seven",
    "восемь восьми eight",
    "девять девяти nine",
    "десять десяти ten",
)
NUMBERS = {word: n for n, forms in enumerate(NUMBER_FORMS, 1) for word in forms.split()}
NUMBER_WORD = "|".join(sorted(NUMBERS, key=len, reverse=True))

# A time of day: as a modifier next to a day ("завтра к обеду", "к 15:00 в пятницу") or on its own.
TIME = (
    r"(?<![\w.:,])(?:"
    r"(?P<lunch>к\s+обеду|до\s+обеда|в\s+обед|by\s+lunch(?:time)?)"
    r"|(?P<noon>к\s+полудню|до\s+полудня|в\s+полдень|(?:by|at|before)\s+noon|noon|midday)"
    r"|(?P<morning>утром|с\s+утра|к\s+утру|до\s+утра|(?:in|by)\s+the\s+morning)"
    r"|(?P<evening>вечером|к\s+вечеру|до\s+вечера|(?:in|by)\s+the\s+evening|tonight)"
    r"|(?P<eod>(?:к|до)\s+конц[ау]\s+(?:рабочего\s+)?дня|(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?"
    r"(?:business\s+|working\s+)?day|(?:by\s+)?(?:eod|cob|close\s+of\s+business))"
    r"|(?:(?P<cm>не\s+позднее|не\s+позже|до|ко|к|во|в|by|at|before|until|till)\s+)?"
    r"(?P<h>[01]?\d|2[0-3])(?:[:.](?P<mi>[0-5]\d))?(?!\d|[.,]\d)"
    r"(?:\s*(?P<suf>часов|часа|час|ч\.|ч)(?!\w))?"
    r"(?:\s*(?P<ap>утра|дня|вечера|ночи|a\.m\.|p\.m\.|am|pm)(?!\w))?"
    r")(?!\w)"
)
TIME_AFTER = re.compile(rf"[ \t,]*(?P<time>{TIME})", IGNORECASE_FLAG)
TIME_BEFORE = re.compile(rf"(?P<time>{TIME})[ \t,]*$", IGNORECASE_FLAG)
TIME_ALONE = re.compile(TIME, IGNORECASE_FLAG)
DAY_PARTS = {
    "lunch": time(13),
    "noon": time(12),
    "morning": time(10),
    "evening": END_OF_DAY,
    "eod": END_OF_DAY,
}
FIRM_CLOCK_MARKERS = {"до", "к", "ко", "by", "before", "until", "till", "не позднее", "не позже"}
STANDALONE_STARTS = {"к", "ко", "до", "в", "во", "не", "by", "at", "before", "until", "till"}
