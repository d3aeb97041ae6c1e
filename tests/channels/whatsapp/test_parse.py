"""The parser on kinds the corpus has no file for (built from Meta's documented shapes, one test per fixture
under fixtures/<event>__<variant>.json, a meta-test that each is used) and details of a few corpus files."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.whatsapp.parse import WhatsAppAdapter
from intake.schema import InboundMessage
from tests.corpus import CORPUS

FIXTURES = Path(__file__).with_name("fixtures")


def fixture(name: str) -> list[InboundMessage]:
    body = (FIXTURES / f"{name}.json").read_bytes()
    return WhatsAppAdapter().parse(RawPayload(account="main", body=body, raw_event_id=7))


def corpus(name: str) -> list[InboundMessage]:
    body = (CORPUS / "whatsapp" / f"pywa__{name}.json").read_bytes()
    return WhatsAppAdapter().parse(RawPayload(account="main", body=body))


def test_every_fixture_is_used() -> None:
    # A fixture counts as used when a test names it: fixture("…") or a parametrized ("…", …) row.
    source = Path(__file__).read_text(encoding="utf-8")
    used = set(re.findall(r'"([a-z_]+__[a-z_]+)"', source)) - set(re.findall(r'corpus\("([^"]+)"\)', source))
    present = {path.stem for path in FIXTURES.glob("*.json")}
    assert present == used, f"unused fixtures: {present - used}; missing: {used - present}"


def test_document_keeps_filename_caption_and_media_id() -> None:
    [msg] = fixture("message__document")
    assert msg.kind == "media" and msg.text == "Акт сверки за октябрь"
    [doc] = msg.attachments
    assert (doc.kind, doc.filename, doc.mime, doc.file_id) == (
        "document",
        "akt_sverki_oktyabr.pdf",
        "application/pdf",
        "1037543291543636",
    )
    assert msg.sender.display_name == "Ирина Соколова" and msg.sender.phone == "+79161234567"
    assert msg.sent_at == datetime(2025, 11, 24, 8, 0, tzinfo=UTC) and msg.raw_event_id == 7


def test_document_reply_keeps_the_context() -> None:
    [msg] = fixture("message__document_reply")
    assert msg.reply_to_key == "wamid.HBgLNzkwMDEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
    assert msg.attachments[0].filename == "счёт 118.xlsx" and msg.text is None


def test_failed_status_carries_code_and_title() -> None:
    [msg] = fixture("message_status__failed")
    assert (msg.kind, msg.status) == ("status", "failed")
    assert msg.event_id == f"{msg.message_key}:failed"
    assert msg.text == "131026 Message undeliverable: Message Undeliverable."


def test_failed_status_outside_the_window() -> None:
    [msg] = fixture("message_status__failed_outside_window")
    assert msg.status == "failed" and msg.text is not None and msg.text.startswith("131047 Re-engagement")


def test_group_status_has_no_phone() -> None:
    [msg] = fixture("message_status__group")
    assert msg.status == "delivered" and msg.conversation_key == "120363027744444@g.us"
    assert msg.sender.phone is None


def test_one_body_with_several_entries_changes_messages_and_statuses() -> None:
    messages = fixture("batch__several_entries")
    assert [(m.kind, m.event_id) for m in messages] == [
        ("text", "wamid.batch.1"),
        ("text", "wamid.batch.2"),
        ("status", "wamid.out.7:read"),
        ("media", "wamid.batch.3"),
    ]
    assert messages[1].sender.display_name == "Олег Ким" and messages[1].conversation_key == "79035550011"
    assert messages[3].attachments[0].kind == "voice"


def test_referral_context_is_kept() -> None:
    [msg] = fixture("message__image_referral")
    assert msg.text is not None and "Бухгалтерия для ООО под ключ" in msg.text
    assert msg.thread_hints.subject == "Бухгалтерия для ООО под ключ"
    assert "https://fb.me/ad/123" in msg.thread_hints.references


@pytest.mark.parametrize(
    ("name", "error", "reason"),
    [
        ("message__unknown_type", UnsupportedEvent, "type 'poll_vote' is not supported"),
        ("malformed__bad_timestamp", AnomalousPayload, "timestamp is not a Unix time"),
        ("malformed__entry_not_list", AnomalousPayload, "body.entry must be a list of objects"),
        ("other__page_object", UnsupportedEvent, "object 'page' is not 'whatsapp_business_account'"),
    ],
)
def test_refusals_carry_the_reason(name: str, error: type[Exception], reason: str) -> None:
    with pytest.raises(error) as refused:
        fixture(name)
    assert reason in str(refused.value)


def test_not_json_is_anomalous() -> None:
    with pytest.raises(AnomalousPayload, match="not JSON"):
        WhatsAppAdapter().parse(RawPayload(account="main", body=b"\xff{"))


def test_corpus_text_identity() -> None:
    [msg] = corpus("message__text")
    assert (msg.event_id, msg.message_key, msg.conversation_key) == ("wamid.xyzxyz",) * 2 + ("972987654321",)
    assert (msg.sender.external_id, msg.sender.phone, msg.sender.display_name) == (
        "972987654321",
        "+972987654321",
        "Test Name",
    )
    assert msg.text == "Body Text" and msg.sent_at == datetime.fromtimestamp(1697043223, UTC)


def test_corpus_voice_note_is_a_voice_attachment() -> None:
    [msg] = corpus("message__voice")
    assert msg.attachments[0].kind == "voice" and msg.attachments[0].file_id == "1234567890987654321"


def test_corpus_reaction_points_at_the_message_reacted_to() -> None:
    [msg] = corpus("message__reaction")
    assert (msg.kind, msg.event_id, msg.message_key, msg.text) == (
        "reaction",
        "wamid.xyzxyz",
        "wamid.yzxyzx=",
        "😮",
    )


def test_corpus_status_event_id_is_status_id_and_status() -> None:
    [msg] = corpus("message_status__delivered")
    assert (msg.event_id, msg.message_key, msg.status) == (
        "wamid.xyzxyz:delivered",
        "wamid.xyzxyz",
        "delivered",
    )


def test_corpus_number_change_links_the_new_wa_id_to_the_old_phone() -> None:
    [msg] = corpus("system__phone_number_change")
    assert msg.kind == "system" and msg.conversation_key == "972987654321"
    assert (msg.sender.external_id, msg.sender.phone) == ("972912345678", "+972987654321")


def test_corpus_buttons_and_lists_become_text_replies() -> None:
    [button] = corpus("callback_button__quick_reply")
    [choice] = corpus("callback_selection__description")
    assert (button.text, button.reply_to_key) == ("title", "wamid.xyzxyz==")
    assert choice.text == "title\ndescription" and choice.reply_to_key == "wamid.xyzxyz"


def test_corpus_contacts_keep_names_and_phones() -> None:
    [msg] = corpus("message__contacts")
    assert [a.url for a in msg.attachments] == ["tel:+15555555555", "tel:+16666666666", "tel:+17777777777"]
    assert msg.text is not None and "Chandler Bing +1 555-555-5555" in msg.text


def test_corpus_unsupported_keeps_the_error() -> None:
    with pytest.raises(UnsupportedEvent, match="131051 Message type unknown"):
        corpus("message__unsupported")


def test_values_past_okno_limits_are_anomalous_not_a_crash() -> None:
    body = (CORPUS / "whatsapp" / "pywa__message__text.json").read_text(encoding="utf-8")
    long_id = body.replace('"wamid.xyzxyz"', '"wamid.' + "x" * 300 + '"')
    with pytest.raises(AnomalousPayload, match=r"messages\[0\]"):
        WhatsAppAdapter().parse(RawPayload(account="main", body=long_id.encode()))
    long_name = body.replace('"Test Name"', '"' + "Я" * 400 + '"')
    [msg] = WhatsAppAdapter().parse(RawPayload(account="main", body=long_name.encode()))
    assert msg.sender.display_name == "Я" * 255
