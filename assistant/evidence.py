"""The evidence quote must be a verbatim substring of the source: verify, repair a near miss, else refuse."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

MIN_RATIO = 0.8
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'", "ё": "е", "Ё": "Е"}
)
_CLAUSE = re.compile(r"[^.!?;\n]+[.!?;]*")


def _norm(text: str) -> str:
    return text.translate(_QUOTES).casefold()


def _clean(quote: str) -> str:
    return _SPACES.sub(" ", quote.strip().strip("\"'«»“”").strip())


def _exact_ignoring_case(quote: str, source: str) -> str | None:
    # casefold/translate keep lengths for these characters, so indices map back onto the source
    at = _norm(source).find(_norm(quote))
    return source[at : at + len(quote)] if at >= 0 else None


def _best_span(quote: str, source: str) -> tuple[float, str]:
    """The clause, or run of clauses, of the source closest to the quote."""
    clauses = [m.group().strip() for m in _CLAUSE.finditer(source) if m.group().strip()]
    best = (0.0, "")
    want = _norm(quote)
    for i in range(len(clauses)):
        for j in range(i + 1, min(i + 3, len(clauses)) + 1):
            start = source.find(clauses[i])
            end = source.find(clauses[j - 1], start) + len(clauses[j - 1])
            span = source[start:end]
            ratio = SequenceMatcher(None, want, _norm(span), autojunk=False).ratio()
            if ratio > best[0]:
                best = (ratio, span)
    return best


def _best_window(quote: str, source: str) -> tuple[float, str]:
    """The run of source words, about as long as the quote, closest to it (a fragment with a slip)."""
    words = list(re.finditer(r"\S+", source))
    size = len(quote.split())
    want = _norm(quote)
    best = (0.0, "")
    for n in range(max(1, size - 1), size + 2):
        for i in range(0, max(0, len(words) - n) + 1):
            span = source[words[i].start() : words[min(i + n, len(words)) - 1].end()]
            ratio = SequenceMatcher(None, want, _norm(span), autojunk=False).ratio()
            if ratio > best[0]:
                best = (ratio, span)
    return best


def verify_quote(quote: str, source: str) -> tuple[str | None, str]:
    """(the quote as it stands in the source or None, how: exact | repaired | rejected)."""
    if quote and quote in source:
        return quote, "exact"
    cleaned = _clean(quote)
    if len(cleaned) < 3:
        return None, "rejected"
    if cleaned in source:
        return cleaned, "repaired"
    found = _exact_ignoring_case(cleaned, source)
    if found is not None:
        return found, "repaired"
    ratio, span = max(_best_span(cleaned, source), _best_window(cleaned, source))
    if ratio >= MIN_RATIO and span:
        return span.strip(" ,"), "repaired"
    return None, "rejected"
