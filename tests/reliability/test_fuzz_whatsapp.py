"""WhatsApp Cloud API webhooks from the corpus and the channel's fixtures, mutated structurally and byte-wise:
parsed or refused with a reason, never a crash (tests/channels/whatsapp/test_parse_fuzz.py swaps single
values; this adds dropped keys, retyped values, huge strings, deep nesting and garbled bytes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given

from channels.base import RawPayload
from channels.whatsapp.parse import WhatsAppAdapter
from tests.corpus import corpus_files
from tests.reliability.strategies import FUZZ, assert_parsed_or_refused, mutated_json

FIXTURES = Path(__file__).parents[1] / "channels" / "whatsapp" / "fixtures"
BODIES: list[Any] = [
    json.loads(p.read_bytes()) for p in [*corpus_files("whatsapp/*.json"), *sorted(FIXTURES.glob("*.json"))]
]


@FUZZ
@given(body=mutated_json(BODIES))
def test_mutated_webhooks_parse_or_are_refused(body: bytes) -> None:
    raw = RawPayload(account="main", body=body, raw_event_id=1)
    assert_parsed_or_refused(lambda: WhatsAppAdapter().parse(raw), "whatsapp")


def test_the_seed_corpus_is_there() -> None:
    assert len(BODIES) >= 60
