"""An independent detector of the typical mis-decodings of Russian text, for the tests."""

from __future__ import annotations

import re

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
PATTERNS = {
    "utf-8 read as latin-1/cp1252 (Ð¿Ñ€)": re.compile(
        r"[ÐÑ][\u0080-\u00bf\u2018-\u201e\u20ac\u2122\u0152\u0153\u0160\u0161\u017d\u017e\u0178]"
    ),
    "utf-8 read as cp1251 (РїСЂ)": re.compile(
        r"[РС][ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—™љ›њќћџЎўЈ¤Ґ¦§Ё©Є«¬®Ї°±Ііґµ¶·ё№є»јЅѕї]"
    ),
    "cp1251 read as latin-1 (Ïðè)": re.compile(r"[À-ÿ]{4,}"),
    "utf-8 read as koi8-r (п╟я─)": re.compile(r"[пя][╟-╬═-╩]"),
}


def mojibake(text: str) -> list[str]:
    """Names of the mis-decodings found in the text (empty when clean)."""
    return [name for name, pattern in PATTERNS.items() if pattern.search(text)]
