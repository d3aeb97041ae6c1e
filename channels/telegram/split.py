"""Long replies are cut into Telegram-sized parts at the most natural boundary available."""

from __future__ import annotations

MAX_MESSAGE = 4096
# Best boundary first: paragraph, line, sentence, word.
BOUNDARIES = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _cut_at(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return [p for p in parts if p] or [text[:limit]]


def _cut_at(text: str, limit: int) -> int:
    window = text[:limit]
    for boundary in BOUNDARIES:
        at = window.rfind(boundary)
        if at > limit // 2:  # a cut in the first half would make a tiny part: try a weaker boundary
            return at + len(boundary)
    return limit
