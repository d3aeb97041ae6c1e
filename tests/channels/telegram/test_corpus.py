"""Every corpus file through the parser: the reviewed expected kind, or the expected refusal — never a crash.
Bare Message objects are wrapped into updates the way Telegram delivers them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.telegram.parse import TelegramAdapter
from tests.corpus import CORPUS, corpus_files, indexed_count

EXPECTATIONS: dict[str, dict[str, Any]] = json.loads(
    Path(__file__).with_name("corpus_expectations.json").read_text(encoding="utf-8")
)
UPDATES = corpus_files("telegram/*.json")
MESSAGE_OBJECTS = corpus_files("telegram/message_objects/*.json")
ALL = UPDATES + MESSAGE_OBJECTS


def name_of(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def body_of(path: Path) -> bytes:
    if path.parent.name == "message_objects":
        return json.dumps({"update_id": 1, "message": json.loads(path.read_text(encoding="utf-8"))}).encode()
    return path.read_bytes()


@pytest.mark.parametrize("path", ALL, ids=name_of)
def test_corpus_file_parses_as_reviewed(path: Path) -> None:
    expected = EXPECTATIONS[name_of(path)]
    adapter = TelegramAdapter()
    raw = RawPayload(account="clients", body=body_of(path), raw_event_id=42)
    if "refused" in expected:
        error = UnsupportedEvent if expected["refused"] == "unsupported" else AnomalousPayload
        with pytest.raises(error) as refused:
            adapter.parse(raw)
        assert expected["reason"] in str(refused.value)
        return
    [message] = adapter.parse(raw)
    assert message.kind == expected["kind"]
    assert [a.kind for a in message.attachments] == expected.get("attachments", [])
    assert message.channel == "telegram" and message.account == "clients" and message.raw_event_id == 42
    assert message.event_id == str(json.loads(raw.body)["update_id"])
    assert message.sent_at.tzinfo is not None
    if message.kind in ("text", "media"):
        assert message.text or message.attachments


def test_every_corpus_file_is_tested_and_the_index_agrees() -> None:
    assert len(UPDATES) >= indexed_count("telegram/*.json")
    assert len(MESSAGE_OBJECTS) >= indexed_count("telegram/message_objects/*.json")
    assert sorted(EXPECTATIONS) == sorted(name_of(p) for p in ALL), "review corpus_expectations.json"


def test_the_parser_does_not_refuse_its_way_to_green() -> None:
    refused = [name for name, e in EXPECTATIONS.items() if "refused" in e]
    assert len(refused) <= 12, refused  # reviewed: unsupported kinds, old-API shapes, the multi-field update
