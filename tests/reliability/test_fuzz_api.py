"""The generic API channel's bodies (its fixtures), mutated: parsed or refused with a reason, never a crash;
and every parser the app installs has a fuzz test here, so a new channel cannot be forgotten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given

from channels.api.parse import ApiAdapter
from channels.base import RawPayload
from okno.services import parsers
from tests.reliability.strategies import FUZZ, assert_parsed_or_refused, mutated_json

FIXTURES = Path(__file__).parents[1] / "channels" / "api" / "fixtures"
BODIES: list[Any] = [json.loads(p.read_bytes()) for p in sorted(FIXTURES.glob("*.json"))]
FUZZED = {
    "api": "test_fuzz_api.py",
    "email": "test_fuzz_email.py",
    "telegram": "test_fuzz_telegram.py",
    "telephony": "test_fuzz_telephony.py",
    "viber": "test_fuzz_viber.py",
    "whatsapp": "test_fuzz_whatsapp.py",
}


@FUZZ
@given(body=mutated_json(BODIES))
def test_mutated_api_bodies_parse_or_are_refused(body: bytes) -> None:
    raw = RawPayload(account="site", body=body, raw_event_id=1)
    assert_parsed_or_refused(lambda: ApiAdapter().parse(raw), "api")


def test_every_installed_parser_is_fuzzed() -> None:
    assert set(parsers()) == set(FUZZED), "a channel parser without a fuzz test in tests/reliability/"
    here = Path(__file__).parent
    assert all((here / name).is_file() for name in FUZZED.values())
