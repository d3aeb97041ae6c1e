"""The words a text is about, to tell whether one text carries another's (no model: a set comparison)."""

from __future__ import annotations

import re
from decimal import Decimal

_WORD = re.compile(r"\w+")


def content_words(text: str) -> set[str]:
    """Numbers, and words of four letters or more by their first five (Russian endings vary)."""
    return {w if w.isdigit() else w[:5] for w in _WORD.findall(text.casefold()) if w.isdigit() or len(w) >= 4}


# An amount with its currency, either side: "180 000 рублей", "64 000 ₽", "$1,200", "1 500,50 грн" (its
# thousands apart by a space, a no-break space, a comma or a dot; not the tail of a longer number or date).
_NUMBER = r"(?<![\d.,])(?:\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_CURRENCY = r"руб\w*|р\.|₽|грн\w*|гривн\w*|₴|usd|долл\w*|dollars?|eur\b|euros?|евро|€|\$|rub\w*|uah"
_MONEY = re.compile(
    rf"(?P<a>{_NUMBER})\s?(?P<k>тыс\.?\s?)?(?:{_CURRENCY})|(?:\$|€|₽|₴)\s?(?P<b>{_NUMBER})", re.IGNORECASE
)
_FRACTION = re.compile(r"[.,](\d{1,2})$")


def amounts(text: str) -> set[str]:
    """The sums of money a text names, in one spelling: "180 000 рублей", "180000 руб." and "180 тыс. руб."
    are all "180000"; "1 500,50 грн" is "1500.5"."""
    found = set()
    for match in _MONEY.finditer(text):
        number = match["a"] or match["b"]
        fraction = _FRACTION.search(number)
        whole = number[: fraction.start()] if fraction else number
        value = Decimal(re.sub(r"\D", "", whole) + ("." + fraction[1] if fraction else ""))
        if match["k"]:
            value *= 1000
        found.add(format(value.normalize(), "f"))
    return found
