"""Every file of ../shared/corpus/whatsapp/ through the parser: parsed to the reviewed kinds or refused with
the reviewed reason, never a crash; meta-tests fail when a file is skipped or fewer are found than INDEX.md
counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.whatsapp.parse import WhatsAppAdapter
from tests.corpus import corpus_files, indexed_count

FILES = corpus_files("whatsapp/*.json")
EXPECTED: dict[str, dict[str, list[str] | str]] = json.loads(
    Path(__file__).with_name("corpus_expectations.json").read_text(encoding="utf-8")
)


def test_every_indexed_file_is_found() -> None:
    assert len(FILES) >= indexed_count("whatsapp/*.json") > 0


def test_every_file_has_a_reviewed_expectation() -> None:
    names = {path.name for path in FILES}
    assert names == set(EXPECTED), f"unreviewed: {names - set(EXPECTED)}; stale: {set(EXPECTED) - names}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file(path: Path) -> None:
    expected = EXPECTED[path.name]
    raw = RawPayload(account="main", body=path.read_bytes(), raw_event_id=1)
    if "refused" in expected:
        with pytest.raises((UnsupportedEvent, AnomalousPayload)) as refused:
            WhatsAppAdapter().parse(raw)
        assert str(expected["refused"]) in str(refused.value)
        return
    messages = WhatsAppAdapter().parse(raw)
    assert [m.kind for m in messages] == expected["kinds"]
    assert all(m.channel == "whatsapp" and m.account == "main" and m.raw_event_id == 1 for m in messages)
    for field, actual in (
        ("message_keys", [m.message_key for m in messages]),
        ("statuses", [m.status for m in messages]),
        ("attachments", [a.kind for m in messages for a in m.attachments]),
    ):
        if field in expected:
            assert actual == expected[field]
