"""The words a text is about, to tell whether one text carries another's (no model: a set comparison)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


def content_words(text: str) -> set[str]:
    """Numbers, and words of four letters or more by their first five (Russian endings vary)."""
    return {w if w.isdigit() else w[:5] for w in _WORD.findall(text.casefold()) if w.isdigit() or len(w) >= 4}
