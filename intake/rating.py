"""A client's answer to the question okno asks when their request is done — «оцените нашу работу от 1
до 5»: «5», «4/5», «5️⃣», «⭐⭐⭐⭐», «Оценка: 2 — акт так и не прислали», «5, спасибо!». The answer must start
with the score: «5 актов ещё нужно», «1.12 пришлите счёт» or «3-го числа» are messages, not ratings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.email_quotes import strip_email_quotes
from intake.salutations import is_sign_off

COMMENT_MAX = 500
_SCORE = re.compile(
    r"^\s*(?:(?:моя\s+)?(?:оценка|оцениваю|ставлю|оцінка|rating|score)\s*[:\-–—]?\s*)?"
    r"(?P<score>[1-5])(?:\ufe0f?\u20e3)?"  # a keycap emoji: 5️⃣
    r"(?:\s*(?:/|из|з|of|out\s+of)\s*5)?"
    r"(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_STARS = re.compile(r"^\s*(?P<stars>(?:⭐|★)(?:\s*(?:⭐|★)){0,4})(?:\s*☆)*(?P<rest>.*)$", re.DOTALL)
# A score written straight into other text: a date (1.12), a time (5:30), a fraction (2,5), «3-го», «4х».
_GLUED = re.compile(r"^(?:[.,:/\-–]?[\w])", re.UNICODE)
# Words that may follow a bare score without punctuation: «5 спасибо», «4 всё хорошо».
_PLAIN_FOLLOW = {
    "спасибо", "благодарю", "благодарим", "отлично", "супер", "всё", "все", "хорошо", "дякую", "thanks",
    "thank", "great", "good", "ok", "ок", "звезд", "звезды", "звёзд", "звёзды", "stars", "баллов", "балла",
}  # fmt: skip


@dataclass(frozen=True)
class Rating:
    score: int  # 1..5
    comment: str | None


def parse_rating(text: str | None) -> Rating | None:
    """The score and what the client added, or None when the message does not begin with one."""
    fresh = strip_email_quotes(text or "")
    if not fresh.strip():
        return None
    if stars := _STARS.match(fresh):
        score = stars.group("stars").count("⭐") + stars.group("stars").count("★")
        return Rating(score, _comment(stars.group("rest")))
    found = _SCORE.match(fresh)
    if found is None:
        return None
    rest = found.group("rest")
    if _GLUED.match(rest):
        return None
    first_line = rest.split("\n", 1)[0]
    if first_line.strip() and first_line[:1].isspace():
        word = first_line.split()[0].strip("!.,;:)").casefold()
        if word[:1].isalnum() and word not in _PLAIN_FOLLOW:
            return None  # «5 актов ещё нужно»
    return Rating(int(found.group("score")), _comment(rest))


def _comment(rest: str) -> str | None:
    """What follows the score, without the punctuation after it and an email's sign-off and signature."""
    lines: list[str] = []
    for line in rest.splitlines():
        if lines and is_sign_off(line.strip()):
            break
        lines.append(line)
    comment = " ".join(" ".join(lines).split()).lstrip("!.,;:)-–— ").strip()
    return comment[:COMMENT_MAX] or None


def stars(score: int) -> str:
    """★★☆☆☆ for a 2: how a rating is shown, in the web and the staff bot alike."""
    return "★" * score + "☆" * (5 - score)
