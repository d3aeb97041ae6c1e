"""Viber callbacks (the channel's fixtures: every event and message type, as Viber's own SDKs show them),
mutated structurally and byte-wise: parsed or refused with a reason, never a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given

from channels.base import RawPayload
from channels.viber.parse import ViberAdapter
from tests.reliability.strategies import FUZZ, assert_parsed_or_refused, mutated_json

FIXTURES = Path(__file__).parents[1] / "channels" / "viber" / "fixtures"
BODIES: list[Any] = [json.loads(p.read_bytes()) for p in sorted(FIXTURES.glob("*.json"))]


@FUZZ
@given(body=mutated_json(BODIES))
def test_mutated_callbacks_parse_or_are_refused(body: bytes) -> None:
    raw = RawPayload(account="main", body=body, raw_event_id=1)
    assert_parsed_or_refused(lambda: ViberAdapter().parse(raw), "viber")


def test_the_seed_bodies_are_there() -> None:
    assert len(BODIES) >= 15
