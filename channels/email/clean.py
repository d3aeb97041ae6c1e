"""Quoted history and signatures cut from a reply, for display and for the assistant.

The full original is never lost: the RawEvent keeps the bytes. Markers: Gmail "On … wrote:", Outlook
"-----Original Message-----" and "From:/Sent:" (also "От:/Отправлено:"), Russian "… пишет:", `>` quotes,
the "-- " signature separator and "Sent from my iPhone"-style footers."""

from __future__ import annotations

import re
from dataclasses import dataclass

ATTRIBUTION = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,100}:\s*$", re.IGNORECASE),
    re.compile(r"^.{0,300}\b(пишет|писал|написал|написала|написал\(а\))\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Original Message|Исходное сообщение|Reply message)\s*-{2,}\s*$", re.I),
    # Yandex "18.11.2024, 10:00, "Анна" <a@b.ru>:", Mail.ru "Понедельник, 18 ноября 2024, 10:00 от … <a@b>:"
    re.compile(r"^.{0,200}\b\d{1,2}:\d{2}\b.{0,200}<[^<>@\s]+@[^<>\s]+>\s*:\s*$"),
]
# Outlook headers block: "From:"/"От:" followed within a few lines by "Sent:"/"Отправлено:"/"Date:"/"Дата:".
HEADER_FROM = re.compile(r"^\s*\*?(From|От|Von|De)\s*:\*?\s*\S", re.IGNORECASE)
HEADER_NEXT = re.compile(
    r"^\s*\*?(Sent|Date|Отправлено|Дата|Gesendet|Envoyé|To|Кому|Subject|Тема)\s*:", re.IGNORECASE
)
WRAPPED = re.compile(r"@|<|\d{1,4}[./:-]\d|^\s*(On|Le|Am)\s", re.IGNORECASE)
OUTLOOK_RULE = re.compile(r"^\s*_{10,}\s*$")
SIGNATURE = re.compile(r"^-- ?$")
FOOTER = re.compile(
    r"^\s*(Sent from my \w+|Отправлено с (моего )?\w+|Отправлено из мобильной Почты|Get Outlook for \w+|"
    r"Sent from (Mail|Yahoo Mail|Outlook))",
    re.IGNORECASE,
)
FORWARD = re.compile(
    r"^\s*-{2,}\s*(Forwarded message|(Пересылаемое|Пересланное|Перенаправленное) сообщение)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Cleaned:
    text: str
    cut: bool  # whether quotes or a signature were removed


def clean_reply(text: str) -> Cleaned:
    lines = text.splitlines()
    end = _quote_start(lines)
    if end < len(lines) and not "".join(lines[:end]).strip():
        # Bottom-posting: the attribution comes first, the reply follows the quoted lines.
        lines, end = lines[end + 1 :], len(lines)
    kept = [line for line in lines[:end] if not line.lstrip().startswith(">")]
    kept = _drop_signature(kept)
    result = "\n".join(kept).strip()
    if not result:  # everything was quoted: show it rather than nothing
        return Cleaned(text.strip(), False)
    return Cleaned(result, result != text.strip())


def _quote_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if FORWARD.match(line):
            return len(lines)  # a forward is new information for the request: keep all of it
        start = _attribution_start(lines, index)
        if start is not None:
            return start
        if HEADER_FROM.match(line) and any(HEADER_NEXT.match(n) for n in lines[index + 1 : index + 5]):
            return _with_separator(lines, index)
    return len(lines)


def _with_separator(lines: list[str], index: int) -> int:
    """Outlook puts a "____" line (and blank lines) above its From:/От: block: cut from there."""
    start = index
    while start > 0 and (not lines[start - 1].strip() or OUTLOOK_RULE.match(lines[start - 1])):
        start -= 1
        if OUTLOOK_RULE.match(lines[start]):
            return start
    return index


def _attribution_start(lines: list[str], index: int) -> int | None:
    """Where an attribution ending on this line starts: mail programs wrap long ones over 2-3 lines
    ("On Mon, 1 Jan … <a@b.c>" / "wrote:"), and the wrapped lines carry a date, an address or "On"."""
    for size in (3, 2, 1):
        start = index - size + 1
        if start < 0:
            continue
        window = lines[start : index + 1]
        if all(WRAPPED.search(line) for line in window[:-1]) and _matches(window):
            return start
    return None


def _matches(window: list[str]) -> bool:
    joined = " ".join(line.strip() for line in window)
    return bool(joined) and any(p.match(joined) for p in ATTRIBUTION)


def _drop_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if SIGNATURE.match(line) or FOOTER.match(line):
            return lines[:index]
    return lines
