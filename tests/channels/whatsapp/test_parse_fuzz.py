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

BODIES = [json.loads(path.read_bytes()) for path in corpus_files("whatsapp/*.json")]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.extend(_paths(child, (*prefix, key)))
    return found


def _replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(body))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


@settings(max_examples=400, deadline=None)
@given(st.data(), JSON)
def test_mutated_corpus_bodies_never_crash(data: st.DataObject, value: Any) -> None:
    body = data.draw(st.sampled_from(BODIES))
    path = data.draw(st.sampled_from(_paths(body)))
    raw = RawPayload(account="main", body=json.dumps(_replaced(body, path, value)).encode())
    reason = None
    try:
        messages = WhatsAppAdapter().parse(raw)
    except (UnsupportedEvent, AnomalousPayload) as refused:
        messages, reason = [], refused.reason
    assert bool(reason) != bool(messages)
    assert all(m.channel == "whatsapp" for m in messages)
