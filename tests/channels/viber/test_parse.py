"""The parser on every callback Viber sends (one test per fixture under fixtures/<event>__<variant>.json,
shaped after Viber's REST Bot API docs and the official viber-bot libraries; a meta-test that each is
used)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.viber.parse import ViberAdapter
from intake.schema import InboundMessage

FIXTURES = Path(__file__).with_name("fixtures")
USER = "01234567890A="
TOKEN = "5741311803571721087"


def fixture(name: str) -> list[InboundMessage]:
    body = (FIXTURES / f"{name}.json").read_bytes()
    return ViberAdapter().parse(RawPayload(account="main", body=body, raw_event_id=7))


def one(name: str) -> InboundMessage:
    [msg] = fixture(name)
    assert (msg.channel, msg.account, msg.raw_event_id) == ("viber", "main", 7)
    return msg


def test_every_fixture_is_used() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    used = set(re.findall(r'"([a-z_]+__[a-z_]+)"', source))
    present = {path.stem for path in FIXTURES.glob("*.json")}
    assert present == used, f"unused fixtures: {present - used}; missing: {used - present}"


def test_text_message() -> None:
    msg = one("message__text")
    assert (msg.kind, msg.text) == ("text", "Добрый день! Нужен акт сверки с ООО «Ромашка» за ноябрь")
    assert (msg.event_id, msg.message_key, msg.conversation_key) == (TOKEN, TOKEN, USER)
    assert (msg.sender.external_id, msg.sender.display_name, msg.sender.phone) == (
        USER,
        "Ирина Соколова",
        None,
    )
    assert msg.sent_at == datetime(2025, 11, 30, 8, 6, 40, 123000, tzinfo=UTC)
    assert msg.status == "reachable"  # a user's message subscribes them


def test_picture_keeps_caption_name_size_and_link() -> None:
    msg = one("message__picture")
    assert (msg.kind, msg.text) == ("media", "Фото накладной")
    [ref] = msg.attachments
    assert (ref.kind, ref.filename, ref.size, ref.file_id) == ("image", "IMG_2031.jpg", 184220, None)
    assert (
        ref.url is not None and ref.url.startswith("https://dl-media.viber.com/") and ref.url.endswith(".jpg")
    )


def test_video() -> None:
    [ref] = one("message__video").attachments
    assert (ref.kind, ref.size, ref.filename) == ("video", 2034000, None)


def test_file_is_a_document() -> None:
    msg = one("message__file")
    [ref] = msg.attachments
    assert (msg.kind, msg.text) == ("media", None)
    assert (ref.kind, ref.filename, ref.size) == ("document", "akt_sverki_noyabr.pdf", 48213)


def test_sticker_keeps_its_picture() -> None:
    msg = one("message__sticker")
    [ref] = msg.attachments
    assert (msg.kind, msg.text, ref.kind, ref.filename) == (
        "media",
        "[стикер]",
        "sticker",
        "sticker-46105.png",
    )
    assert ref.url == "https://viber-stickers.cdn.viber.com/stickers/46105/png/46105.png"


def test_contact_card() -> None:
    msg = one("message__contact")
    assert (msg.kind, msg.text) == ("text", "Контакт: Пётр Иванов +7 916 555-12-34")
    [ref] = msg.attachments
    assert (ref.kind, ref.filename, ref.url) == ("contact", "Пётр Иванов", "tel:+79165551234")


def test_location() -> None:
    msg = one("message__location")
    assert msg.text == "Местоположение: 55.75222, 37.61556"
    [ref] = msg.attachments
    assert (ref.kind, ref.url) == ("location", "geo:55.75222,37.61556")


def test_shared_link_is_text() -> None:
    msg = one("message__url")
    assert (msg.kind, msg.text, msg.attachments) == ("text", "https://romashka.ru/orders/118", ())


def test_subscribed_makes_the_user_reachable() -> None:
    msg = one("subscribed__user")
    assert (msg.kind, msg.status, msg.conversation_key) == ("system", "reachable", USER)
    assert msg.event_id == msg.message_key == "subscribed:4912661846655238145"
    assert msg.sender.display_name == "Ирина Соколова" and msg.text == "Клиент подписался на бота Viber"


def test_unsubscribed_makes_the_user_unreachable() -> None:
    msg = one("unsubscribed__user")
    assert (msg.kind, msg.status, msg.sender.external_id) == ("system", "unreachable", USER)
    assert msg.event_id == "unsubscribed:4912661846655238146"
    assert msg.text is not None and msg.text.startswith("Клиент отписался")


def test_conversation_started_keeps_the_link_context() -> None:
    msg = one("conversation_started__context")
    assert (msg.kind, msg.status) == ("system", None)  # not subscribed yet: nothing to record
    assert msg.text == "Клиент открыл чат с ботом Viber по ссылке с параметром «price-list»"


@pytest.mark.parametrize(
    ("name", "status", "text"),
    [
        ("delivered__reply", "delivered", None),
        ("seen__reply", "read", None),
        ("failed__reply", "failed", "failure description"),
    ],
)
def test_receipts_update_the_sent_message(name: str, status: str, text: str | None) -> None:
    msg = one(name)
    event = name.split("__")[0]
    assert (msg.kind, msg.status, msg.text) == ("status", status, text)
    assert msg.message_key == "5741311803571721099" and msg.event_id == f"5741311803571721099:{event}"
    assert msg.conversation_key == USER


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("webhook__check", "event 'webhook': Viber checking the URL"),
        ("other__client_status", "event 'client_status' is not a client message"),
        ("message__unknown_type", f"message {TOKEN}: type 'rich_media' is not supported"),
    ],
)
def test_unsupported_is_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(UnsupportedEvent) as refused:
        fixture(name)
    assert refused.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("malformed__no_sender", "message.sender must be an object"),
        ("malformed__timestamp_string", "message.timestamp must be Unix milliseconds"),
        ("malformed__location_without_lat", "message.message.location needs numeric lat and lon"),
    ],
)
def test_malformed_is_anomalous_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(AnomalousPayload) as refused:
        fixture(name)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'{"timestamp": 1}', "body.event must be a non-empty string"),
        (b"\xff\xfe", "body is not JSON"),
    ],
)
def test_not_a_callback_at_all(body: bytes, reason: str) -> None:
    with pytest.raises(AnomalousPayload) as refused:
        ViberAdapter().parse(RawPayload(account="main", body=body))
    assert refused.value.reason.startswith(reason)


def test_an_id_past_oknos_limits_is_anomalous_not_a_crash() -> None:
    body = b'{"event":"unsubscribed","timestamp":1,"user_id":"' + b"x" * 300 + b'"}'
    with pytest.raises(AnomalousPayload, match="unsubscribed: "):
        ViberAdapter().parse(RawPayload(account="main", body=body))
