"""Calendar invites (text/calendar): the event's summary, time and place as a readable line."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from channels.email.texts import t

FIELDS = ("SUMMARY", "DTSTART", "LOCATION", "ORGANIZER", "METHOD")


def unfold(ics: str) -> list[str]:
    """RFC 5545 lines: a line starting with a space or tab continues the previous one."""
    return re.sub(r"\r?\n[ \t]", "", ics).splitlines()


def invite_fields(ics: str) -> dict[str, str]:
    found: dict[str, str] = {}
    in_event = False
    for line in unfold(ics):
        upper = line.upper()
        if upper.startswith("BEGIN:VEVENT"):
            in_event = True
        name, _, value = line.partition(":")
        key = name.split(";")[0].upper()
        if key in FIELDS and (in_event or key == "METHOD") and key not in found:
            found[key] = value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").strip()
    return found


def readable_time(value: str) -> str:
    for pattern in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            moment = datetime.strptime(value, pattern)
        except ValueError:
            continue
        if value.endswith("Z"):
            return moment.replace(tzinfo=UTC).strftime("%d.%m.%Y %H:%M UTC")
        return moment.strftime("%d.%m.%Y %H:%M" if "T" in value else "%d.%m.%Y")
    return value


def invite_text(ics: str) -> str | None:
    fields = invite_fields(ics)
    if "SUMMARY" not in fields and "DTSTART" not in fields:
        return None
    parts = [f"{t('invite')}: {fields.get('SUMMARY', '')}".rstrip()]
    if "DTSTART" in fields:
        parts.append(f"{t('invite_when')}: {readable_time(fields['DTSTART'])}")
    if fields.get("LOCATION"):
        parts.append(f"{t('invite_where')}: {fields['LOCATION']}")
    return "\n".join(parts)
