"""A staff member's own time zone: a company with branches in ten cities sets tasks and reads deadlines in
each member's local time, not Moscow's.

A member's zone is stored as an IANA name; people write it as that, as a Russian city («Красноярск») or as
Russians state an offset («МСК+4»). A member without one works in the company's zone.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# The zones of Russia and its neighbours, by the city people name them after (shown in this order, with
# the company's own zone added when it is not here).
CITIES: dict[str, str] = {
    "Калининград": "Europe/Kaliningrad",
    "Москва": "Europe/Moscow",
    "Самара": "Europe/Samara",
    "Екатеринбург": "Asia/Yekaterinburg",
    "Омск": "Asia/Omsk",
    "Новосибирск": "Asia/Novosibirsk",
    "Красноярск": "Asia/Krasnoyarsk",
    "Иркутск": "Asia/Irkutsk",
    "Якутск": "Asia/Yakutsk",
    "Владивосток": "Asia/Vladivostok",
    "Магадан": "Asia/Magadan",
    "Петропавловск-Камчатский": "Asia/Kamchatka",
    "Минск": "Europe/Minsk",
    "Киев": "Europe/Kyiv",
    "Алматы": "Asia/Almaty",
    "Ташкент": "Asia/Tashkent",
}
# «МСК+4»: the offset from Moscow the way Russian schedules and HR lists write it.
MSK_OFFSETS: dict[int, str] = {
    -1: "Europe/Kaliningrad",
    0: "Europe/Moscow",
    1: "Europe/Samara",
    2: "Asia/Yekaterinburg",
    3: "Asia/Omsk",
    4: "Asia/Krasnoyarsk",
    5: "Asia/Irkutsk",
    6: "Asia/Yakutsk",
    7: "Asia/Vladivostok",
    8: "Asia/Magadan",
    9: "Asia/Kamchatka",
}
MSK = re.compile(r"^(?:мск|msk)\s*(?:([+-−])\s*(\d{1,2}))?$", re.IGNORECASE)


class UnknownZone(ValueError):
    pass


def parse_zone(text: str) -> str:
    """An IANA name from what a person wrote: «Asia/Krasnoyarsk», «красноярск», «МСК+4»; UnknownZone with
    the reason otherwise."""
    value = text.strip()
    if match := MSK.match(value):
        sign, hours = match.groups()
        offset = int(hours or 0) * (-1 if sign in ("-", "−") else 1)
        if offset not in MSK_OFFSETS:
            raise UnknownZone(f"no Russian time zone is MSK{offset:+d} (they run from MSK-1 to MSK+9)")
        return MSK_OFFSETS[offset]
    for city, zone in CITIES.items():
        if value.casefold() == city.casefold() and known_zone(zone):
            return zone
    names = _names()
    if (name := names.get(value.casefold())) is not None:
        return name
    # «Krasnoyarsk», «new york»: the city part of an IANA name, when one name has it
    cities = [
        n for n in names.values() if n.rsplit("/", 1)[-1].casefold() == value.replace(" ", "_").casefold()
    ]
    if len(cities) == 1:
        return cities[0]
    raise UnknownZone(
        f"unknown time zone {value!r}: write an IANA name (Asia/Krasnoyarsk), a city"
        f" ({', '.join(list(CITIES)[:4])}…) or an offset from Moscow (МСК+4)"
    )


@cache
def _names() -> dict[str, str]:
    """The database's zone names by their case-folded form; available_timezones() walks the files each call
    (an HR list of eighty lines would walk them eighty times)."""
    return {name.casefold(): name for name in available_timezones()}


def zone_of(own: str | None, company: ZoneInfo) -> ZoneInfo:
    """The zone a member reads and writes times in: their own, else the company's (also for a name this
    machine's time zone database no longer knows)."""
    if not own:
        return company
    try:
        return ZoneInfo(own)
    except (ZoneInfoNotFoundError, ValueError):
        return company


def zone_label(zone: str, at: datetime) -> str:
    """«Красноярск (UTC+07:00)», or the IANA name for a zone no city here names (alone, for one this
    machine's time zone database does not know)."""
    if not known_zone(zone):
        return zone
    city = next((c for c, z in CITIES.items() if z == zone), zone)
    offset = at.astimezone(ZoneInfo(zone)).strftime("%z")
    return f"{city} (UTC{offset[:3]}:{offset[3:]})"


def zone_choices(company: str, current: str | None, at: datetime) -> list[tuple[str, str]]:
    """(IANA name, label) for a form's list: the cities above, then the company's and the member's own
    zone when no city names them."""
    zones = list(dict.fromkeys([*CITIES.values(), company, *([current] if current else [])]))
    return [(zone, zone_label(zone, at)) for zone in zones if known_zone(zone)]


def known_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
