"""A member's own time zone as people write it: an IANA name in any case, a Russian city, the city part of an
IANA name, an offset from Moscow («МСК+4», «MSK-1», a typographic minus); anything else is refused with how
to write it. A stored name this machine no longer knows reads as the company's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from intake.zones import UnknownZone, parse_zone, zone_choices, zone_label, zone_of

MOSCOW = ZoneInfo("Europe/Moscow")
AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("Asia/Krasnoyarsk", "Asia/Krasnoyarsk"),
        ("asia/krasnoyarsk", "Asia/Krasnoyarsk"),
        ("Красноярск", "Asia/Krasnoyarsk"),
        (" красноярск ", "Asia/Krasnoyarsk"),
        ("Krasnoyarsk", "Asia/Krasnoyarsk"),
        ("new york", "America/New_York"),
        ("МСК+4", "Asia/Krasnoyarsk"),
        ("мск + 7", "Asia/Vladivostok"),
        ("MSK-1", "Europe/Kaliningrad"),
        ("МСК−1", "Europe/Kaliningrad"),
        ("МСК", "Europe/Moscow"),
        ("Петропавловск-Камчатский", "Asia/Kamchatka"),
    ],
)
def test_what_people_write_names_a_zone(written: str, zone: str) -> None:
    assert parse_zone(written) == zone


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("Марс", "unknown time zone 'Марс': write an IANA name"),
        ("МСК+10", "no Russian time zone is MSK+10"),
        ("UTC+7", "unknown time zone 'UTC+7'"),
        ("", "unknown time zone ''"),
    ],
)
def test_anything_else_is_refused_with_how_to_write_it(written: str, reason: str) -> None:
    with pytest.raises(UnknownZone, match="^" + reason.replace("+", r"\+")):
        parse_zone(written)


def test_a_member_without_a_zone_or_with_one_gone_reads_the_companys() -> None:
    assert zone_of(None, MOSCOW) is MOSCOW and zone_of("", MOSCOW) is MOSCOW
    assert zone_of("Atlantis/Capital", MOSCOW) is MOSCOW
    assert zone_of("Asia/Omsk", MOSCOW) == ZoneInfo("Asia/Omsk")


def test_labels_name_the_city_and_its_offset() -> None:
    assert zone_label("Asia/Krasnoyarsk", AT) == "Красноярск (UTC+07:00)"
    assert zone_label("Europe/Kaliningrad", AT) == "Калининград (UTC+02:00)"
    assert zone_label("America/New_York", AT) == "America/New_York (UTC-05:00)"
    assert zone_label("Atlantis/Capital", AT) == "Atlantis/Capital"  # a name gone from the database
    choices = zone_choices("Europe/Berlin", "America/New_York", AT)
    assert choices[0] == ("Europe/Kaliningrad", "Калининград (UTC+02:00)")
    assert choices[-2:] == [
        ("Europe/Berlin", "Europe/Berlin (UTC+01:00)"),
        ("America/New_York", "America/New_York (UTC-05:00)"),
    ]
    assert len(choices) == len(dict(choices))  # each zone once
