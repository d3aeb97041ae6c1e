"""The parser never crashes: corpus bodies with one value swapped for arbitrary JSON either parse or are
refused with UnsupportedEvent / AnomalousPayload."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.whatsapp.parse import WhatsAppAdapter
from tests.corpus import corpus_files
from tests.reliability.strategies import JSON, paths, replaced

BODIES = [json.loads(path.read_bytes()) for path in corpus_files("whatsapp/*.json")]


@settings(max_examples=400, deadline=None)
@given(st.data(), JSON)
def test_mutated_corpus_bodies_never_crash(data: st.DataObject, value: Any) -> None:
    body = data.draw(st.sampled_from(BODIES))
    path = data.draw(st.sampled_from(paths(body)))
    raw = RawPayload(account="main", body=json.dumps(replaced(body, path, value)).encode())
    reason = None
    try:
        messages = WhatsAppAdapter().parse(raw)
    except (UnsupportedEvent, AnomalousPayload) as refused:
        messages, reason = [], refused.reason
    assert bool(reason) != bool(messages)
    assert all(m.channel == "whatsapp" for m in messages)
