"""Russian mail written for okno (the corpus has none of these): a test per fixture, and a meta-test that
every fixture is used."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.base import RawPayload
from channels.email.parse import EmailAdapter
from intake.schema import InboundMessage
from tests.channels.email.mojibake import mojibake

FIXTURES = Path(__file__).with_name("fixtures")
RECEIVED = datetime(2024, 11, 19, 12, 0, tzinfo=UTC)
USED: set[str] = set()


def parse(name: str, adapter: EmailAdapter | None = None) -> list[InboundMessage]:
    USED.add(name)
    body = (FIXTURES / f"{name}.eml").read_bytes()
    raw = RawPayload(account="sales", body=body, received_at=RECEIVED, raw_event_id=5)
    return (adapter or EmailAdapter()).parse(raw)


def test_cp1251_plain_claim() -> None:
    [msg] = parse("claim__cp1251_plain")
    assert msg.kind == "text" and msg.raw_event_id == 5
    assert msg.event_id == msg.message_key == msg.conversation_key == "claim-0001@stroymontazh.ru"
    assert msg.sender.email == "p.ivanov@stroymontazh.ru" and msg.sender.display_name == "Иванов Пётр"
    assert msg.thread_hints.subject == "Претензия по договору № 15/2024"
    assert msg.text is not None and "ИНН 7707083893" in msg.text and "цемента" in msg.text
    assert "снабженец" not in msg.text  # the "-- " signature is cut for display
    assert msg.sent_at == datetime(2024, 11, 18, 7, 15, tzinfo=UTC)
    assert mojibake(msg.text) == []


def test_rfc2231_cyrillic_attachment_name() -> None:
    [msg] = parse("attachment__rfc2231_cyrillic_name")
    [pdf] = msg.attachments
    assert pdf.filename == "Счёт № 48 от 18.11.2024.pdf"
    assert (pdf.kind, pdf.mime, pdf.file_id) == ("document", "application/pdf", "part:1.2")
    assert pdf.size == 45
    assert msg.thread_hints.subject == "Счёт на оплату"


def test_outlook_russian_quoting_is_cut_and_threads_to_the_root() -> None:
    [msg] = parse("reply__outlook_russian_quote")
    assert msg.text is not None
    assert "Оплату провели сегодня" in msg.text and "Пётр Иванов" in msg.text
    assert "Отправлено:" not in msg.text and "Допоставка будет" not in msg.text
    assert msg.conversation_key == "claim-0001@stroymontazh.ru"  # the root of References
    assert msg.reply_to_key == "okno.7.abc@okno.example"
    assert msg.thread_hints.request_token == "R-1042"
    assert msg.thread_hints.references == ("claim-0001@stroymontazh.ru", "okno.7.abc@okno.example")


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("charset__koi8r_mislabelled_latin1", "Прошу выставить счёт на 20 поддонов"),
        ("charset__utf8_labelled_cp1251", "Когда приедет машина с прицепом?"),
    ],
)
def test_mislabelled_charsets_are_detected(name: str, words: str) -> None:
    [msg] = parse(name)
    assert msg.text is not None and words in msg.text and mojibake(msg.text) == []


def test_html_only_mail_becomes_readable_text() -> None:
    [msg] = parse("html__iso8859_5_only")
    assert msg.text == (
        "Акт сверки\n\nДобрый день!\n\nПросим срочно прислать акт сверки.\nСпасибо.\n\n"
        "- за октябрь\n- за ноябрь"
    )


def test_calendar_invite() -> None:
    [msg] = parse("calendar__invite")
    assert msg.text is not None and "Встреча по договору поставки" in msg.text
    assert "22.11.2024 07:00 UTC" in msg.text and "Москва, ул. Ленина, 1" in msg.text
    assert [(a.filename, a.mime) for a in msg.attachments] == [("invite.ics", "text/calendar")]


def test_auto_reply_is_system() -> None:
    [msg] = parse("system__auto_reply_ru")
    assert msg.kind == "system" and msg.sender.email == "p.ivanov@stroymontazh.ru"


def test_bounce_is_system_and_reports_the_failed_mail() -> None:
    system, status = parse("system__bounce_dsn")
    assert system.kind == "system" and system.event_id == "bounce-1@mx.okno.example"
    assert status.kind == "status" and status.status == "failed"
    assert status.message_key == "okno.7.abc@okno.example"
    assert status.text is not None and "550 5.1.1" in status.text
    assert status.event_id != system.event_id


def test_attachment_over_the_limit_is_kept_as_metadata_with_the_reason() -> None:
    [msg] = parse("attachment__rfc2231_cyrillic_name", EmailAdapter(max_attachment_bytes=10))
    [pdf] = msg.attachments
    assert pdf.filename == "Счёт № 48 от 18.11.2024.pdf" and pdf.size == 45 and pdf.file_id is None
    assert msg.text is not None and "не сохранено: больше лимита 10 Б" in msg.text


def test_a_mail_without_message_id_is_keyed_by_its_bytes() -> None:
    body = b"From: a@b.ru\r\nSubject: x\r\n\r\nbody\r\n"
    [msg] = EmailAdapter().parse(RawPayload(account="sales", body=body, received_at=RECEIVED))
    assert msg.event_id.startswith("sha256:") and msg.event_id == msg.message_key == msg.conversation_key
    assert msg.sent_at == RECEIVED


def test_every_fixture_is_used() -> None:
    names = {p.stem for p in FIXTURES.glob("*.eml")}
    for name in sorted(names - USED):
        parse(name)
    assert names == USED
