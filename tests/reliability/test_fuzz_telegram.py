"""Telegram updates from the corpus, mutated (keys dropped, types changed, huge strings, deep nesting, cut or
garbled bytes): the parser returns messages or refuses with a reason, never crashes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given

from channels.base import RawPayload
from channels.telegram.parse import TelegramAdapter
from tests.corpus import corpus_files
from tests.reliability.strategies import FUZZ, assert_parsed_or_refused, mutated_json


def _updates() -> list[Any]:
    updates = [json.loads(p.read_bytes()) for p in corpus_files("telegram/*.json")]
    for number, path in enumerate(corpus_files("telegram/message_objects/*.json"), start=1):
        updates.append({"update_id": number, "message": json.loads(path.read_bytes())})
    return updates


UPDATES = _updates()


@FUZZ
@given(body=mutated_json(UPDATES))
def test_mutated_updates_parse_or_are_refused(body: bytes) -> None:
    raw = RawPayload(account="clients", body=body, raw_event_id=1)
    assert_parsed_or_refused(lambda: TelegramAdapter().parse(raw), "telegram")


def test_the_seed_corpus_is_there() -> None:
    assert len(UPDATES) >= 80  # an empty corpus would make the property test vacuous


def test_regression_a_name_longer_than_storage_allows_is_cut() -> None:
    """Found by the fuzz test: a 300,000-character first_name crashed the parser (Sender allows 255)."""
    message: dict[str, Any] = {"message_id": 1, "date": 1795503600, "text": "hi"}
    message["from"] = {"id": 5, "is_bot": False, "first_name": "x" * 300_000, "username": "u" * 300}
    message["chat"] = {"id": 5, "type": "private", "first_name": "x"}
    update = {"update_id": 7, "message": message}
    [parsed] = TelegramAdapter().parse(RawPayload(account="clients", body=json.dumps(update).encode()))
    assert parsed.sender.display_name == "x" * 255 and parsed.sender.username == "u" * 255
