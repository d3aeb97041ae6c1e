"""A task proposal without the model (assistant off, or the model failed): the named staff member, the due
phrase and the rest as the title, resolved by the same code the task chain uses. Still only a proposal."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from assistant.chains.tasks import ASK, ProposedTask
from assistant.due_dates import resolve_due
from assistant.staff_names import SELF, staff_in_text

_LEAD = re.compile(
    r"^\s*(?:пожалуйста,?\s+)?(?:поставь|поручи|создай|дай|запиши|assign|create)\s+(?:[\w-]+\s+)?"
    r"(?:задачу|задание|напоминание|task)\s*[:,—-]?\s*",
    re.IGNORECASE,
)
_REMIND = re.compile(r"^\s*(?:напомни(?:те)?\s+(?:мне\s+)?|remind\s+me\s+(?:to\s+)?)", re.IGNORECASE)
_DUE_TAIL = re.compile(
    r"\s*,?\s*(?:до|к|by|until|on|в)?\s*(?:понедельник\w*|вторник\w*|сред\w*|четверг\w*|пятниц\w*|суббот\w*|"
    r"воскресень\w*|завтра|послезавтра|сегодня|tomorrow|today|monday|tuesday|wednesday|thursday|friday|"
    r"\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?|\d{1,2}\s+[а-яa-z]+|конц\w*\s+\w+)(?:\s+(?:в|at|к)\s+\d{1,2}[:.]\d{2})?"
    r"\s*[.!]?\s*$",
    re.IGNORECASE,
)
TASK_WORDS = re.compile(r"\b(?:задач\w*|поручи\w*|напомни\w*|поставь|remind|task)\b", re.IGNORECASE)


def title_of(text: str) -> str:
    title = _REMIND.sub("", _LEAD.sub("", text.strip()))
    title = _DUE_TAIL.sub("", title).strip(" ,.;:—-")
    return (title[:1].upper() + title[1:])[:120] if title else ""


def rule_task(text: str, *, author: str, staff: Sequence[str], now: datetime) -> ProposedTask | None:
    title = title_of(text)
    first, _, rest = title.partition(" ")
    if rest and staff_in_text(first, staff):  # "Ивану позвонить…": the name is the assignee, not the title
        title = title_of(rest)
    if not title:
        return None
    named = staff_in_text(text, staff)
    assignee: str | None = None
    candidates: tuple[str, ...] = ()
    if len(named) == 1:
        assignee = named[0]
    elif named:
        assignee, candidates = ASK, tuple(named)
    elif _REMIND.match(text) or any(w.strip(",.!?").casefold() in SELF for w in text.split()):
        assignee = author
    return ProposedTask(title, assignee, candidates, resolve_due(text, now), None)


def capitalized_words(text: str, staff: Sequence[str]) -> list[str]:
    """Words that may name a client: capitalized, not the first word, not a staff member."""
    words = re.findall(r"[A-ZА-ЯЁ][\w-]+", text)
    named = set(staff_in_text(text, staff))
    return [w for w in words[0 if not text[:1].isupper() else 1 :] if not staff_in_text(w, list(named))]
