"""The API channel's parser: a test per fixture (<event>__<variant>.json), and a meta-test that every fixture
is used."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.api.parse import ApiAdapter
from channels.base import AnomalousPayload, RawPayload
from intake.schema import InboundMessage

FIXTURES = Path(__file__).with_name("fixtures")
RECEIVED = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def parse(name: str) -> list[InboundMessage]:
    body = (FIXTURES / f"{name}.json").read_bytes()
    return ApiAdapter().parse(RawPayload(account="site", body=body, received_at=RECEIVED, raw_event_id=9))


def test_text() -> None:
    [msg] = parse("message__text")
    assert (msg.event_id, msg.message_key, msg.conversation_key) == ("evt-100", "msg-100", "chat-7")
    assert msg.sent_at == datetime(2026, 11, 24, 6, 15, tzinfo=UTC)
    assert msg.sender.phone == "+7 916 123-45-67" and msg.sender.email == "irina@romashka.example"
    assert msg.kind == "text" and msg.raw_event_id == 9 and msg.channel == "api" and msg.account == "site"


def test_attachments_and_defaults() -> None:
    [msg] = parse("message__attachments")
    assert msg.message_key == "evt-101" and msg.conversation_key == "visitor-7" and msg.sent_at == RECEIVED
    assert [(a.kind, a.filename) for a in msg.attachments] == [
        ("document", "Счёт №15.pdf"),
        ("image", "фото.jpg"),
    ]
    assert (msg.sender.company, msg.sender.inn) == ("ООО «Ромашка»", "7707083893")


def test_edit() -> None:
    [msg] = parse("edit__text")
    assert msg.kind == "edit" and msg.message_key == "msg-100"


def test_status() -> None:
    [msg] = parse("status__read")
    assert (msg.kind, msg.status, msg.message_key) == ("status", "read", "okno-outbox-5")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("refused__no_sender", "sender: Field required"),
        ("refused__bad_inn_format", "sender.inn: String should match pattern"),
        ("refused__unknown_field", "priority: Extra inputs are not permitted"),
        ("refused__status_without_message", "a 'status' event needs status and the message_id"),
        ("refused__not_an_object", "body must be a JSON object"),
    ],
)
def test_refusals_carry_a_reason(name: str, reason: str) -> None:
    with pytest.raises(AnomalousPayload) as refused:
        parse(name)
    assert reason in refused.value.reason


def test_every_fixture_is_used() -> None:
    """A fixture no test names is a defect (order-independent: reads this module's own text)."""
    source = Path(__file__).read_text(encoding="utf-8")
    unused = [p.stem for p in FIXTURES.glob("*.json") if f'"{p.stem}"' not in source]
    assert unused == []
