"""Text to judge: where a message's greeting ends and its sign-off begins (an email's quoted history is cut
by intake.email_quotes)."""

from __future__ import annotations

import re

from intake.salutations import is_greeting, is_sign_off, signature_like

# A signature with no sign-off above it ("Юрист ООО «Пример»", "Legal department"), as the last paragraph.
_SIGNATURE = re.compile(
    r"\b(?:ооо|оао|зао|пао|ао|ип|тов|пп|llc|ltd|inc|gmbh|ab|директор\w*|бухгалтер\w*|юрист\w*|менеджер\w*"
    r"|отдел\w*|відділ\w*|department|director|manager|accountant|lawyer|officer)\b",
    re.IGNORECASE,
)
SIGNATURE_LINES = 3
SIGN_OFF_LINES = 6  # a sign-off is looked for among the last lines only


def body_bounds(text: str) -> tuple[int, int]:
    """(start, end) of what the message says between its greeting line and its sign-off with the signature
    under it: a quote from outside ("Regards,\nMark", "Hi team,") is no evidence of anything."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return 0, 0
    start = offsets[first + 1] if is_greeting(lines[first]) else 0
    for i in range(max(first + 1, len(lines) - SIGN_OFF_LINES), len(lines)):
        if is_sign_off(lines[i]):
            end = offsets[i]
            break
    else:
        end = _signature_start(lines, offsets, first)
    return (start, end) if text[start:end].strip() else (0, len(text))


def _signature_start(lines: list[str], offsets: list[int], first: int) -> int:
    """Where a last paragraph that is a bare signature starts (the text's end if it is none)."""
    blank = max((i for i in range(first, len(lines)) if not lines[i].strip()), default=None)
    if blank is None:
        return offsets[-1]
    tail = [line.strip() for line in lines[blank + 1 :] if line.strip()]
    if (
        0 < len(tail) <= SIGNATURE_LINES
        and all(signature_like(line) for line in tail)
        and any(_SIGNATURE.search(line) for line in tail)
    ):
        return offsets[blank + 1]
    return offsets[-1]


def in_body(quote: str, text: str) -> bool:
    """Whether some occurrence of quote overlaps what the message says (see body_bounds)."""
    start, end = body_bounds(text)
    at = text.find(quote)
    while at >= 0:
        if at < end and at + len(quote) > start:
            return True
        at = text.find(quote, at + 1)
    return False
