"""Bytes -> text for mail bodies and headers: declared charset first, then detection and mojibake repair.

Russian mail arrives in cp1251, koi8-r, iso-8859-5 and utf-8, often mislabelled; a wrong guess shows up as
`Ð¿Ñ€` (utf-8 read as latin-1), `РїСЂ` (utf-8 read as cp1251) or `Ïðè` (cp1251 read as latin-1)."""

from __future__ import annotations

import codecs
import re

# Names mailers use that Python does not know, or knows under another name.
ALIASES = {
    "x-unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac-cyrillic",
    "utf8": "utf-8",
    "cp-1251": "cp1251",
    "win-1251": "cp1251",
    "koi8r": "koi8-r",
}
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN_HIGH = re.compile(r"[\u00c0-\u00ff]")
LETTER = re.compile(r"[^\W\d_]")
# Frequent lowercase Russian letters: the right 8-bit charset turns most Cyrillic into these.
COMMON_LOWER = set("оеаинтсрвлкмдпуяызьбгчйхжшюцщэфъё")


def codec_for(declared: str | None) -> str | None:
    """A Python codec name for a declared charset, or None when unknown or meaningless."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    name = ALIASES.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # unknown, or garbage such as an embedded NUL
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode a body: the declared charset when it fits, else detection; never raises."""
    codec = codec_for(declared)
    if codec and codec not in ("ascii", "us-ascii"):
        try:
            return repair(data.decode(codec), data)
        except UnicodeDecodeError:
            pass
    if data.isascii():
        return data.decode("ascii")
    return detect(data)


def detect(data: bytes) -> str:
    """Undeclared or wrongly declared 8-bit text: utf-8 if valid, else the best Cyrillic 8-bit charset."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    high = sum(1 for ch in lenient if ord(ch) > 127)
    if high and lenient.count("\ufffd") <= max(1, high // 20):  # utf-8 with a stray broken byte or two
        return lenient
    candidates = [data.decode(c, errors="replace") for c in ("cp1251", "koi8-r", "iso-8859-5")]
    best = max(candidates, key=russian_score)
    if russian_score(best) > 0.5:
        return best
    return data.decode("cp1252", errors="replace") if _cp1252_ok(data) else data.decode("latin-1")


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def russian_score(text: str) -> float:
    """Share of Cyrillic letters that are common lowercase Russian ones (koi8/cp1251 swaps score low)."""
    cyrillic = CYRILLIC.findall(text)
    if len(cyrillic) < 3 or len(cyrillic) < 0.4 * len(LETTER.findall(text)):
        return 0.0  # a few accented letters in Latin text are not Russian
    return sum(ch in COMMON_LOWER for ch in cyrillic) / len(cyrillic)


def repair(text: str, data: bytes | None = None) -> str:
    """Undo the typical mis-decodings; text that is not mojibake comes back unchanged."""
    for wrong in ("cp1251", "koi8-r", "cp1252", "latin-1"):
        fixed = _redecode(text, wrong, "utf-8")
        if fixed is not None and _better(fixed, text):
            return fixed
    if _looks_like_latin_cyrillic(text):
        source = data if data is not None else _encode(text, "latin-1")
        if source is not None:
            candidates = [source.decode(c, errors="replace") for c in ("cp1251", "koi8-r", "iso-8859-5")]
            best = max(candidates, key=russian_score)
            if russian_score(best) > 0.5:
                return best
    return text


def _redecode(text: str, wrong: str, right: str) -> str | None:
    raw = _encode(text, wrong)
    if raw is None or raw.isascii():
        return None
    try:
        return raw.decode(right)
    except UnicodeDecodeError:
        return None


def _encode(text: str, codec: str) -> bytes | None:
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        return None


def _better(fixed: str, text: str) -> bool:
    """The re-decoded text has real Cyrillic (or other letters) where the old one had letter soup."""
    return len(fixed) < len(text) and (bool(CYRILLIC.search(fixed)) or not CYRILLIC.search(text))


def _looks_like_latin_cyrillic(text: str) -> bool:
    """cp1251/koi8 bytes read as latin-1: nearly every letter is an accented Latin one."""
    letters = LETTER.findall(text)
    high = LATIN_HIGH.findall(text)
    return len(high) >= 4 and not CYRILLIC.search(text) and len(high) > 0.5 * len(letters)


def repair_header(value: str) -> str:
    """Header text that may hold raw 8-bit bytes (kept by the parser as surrogates) or mojibake."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        raw = value.encode("utf-8", errors="surrogateescape")
        return detect(raw)
    return repair(value)
