"""Quote and signature cutting, the request token, subject normalization, conversation keys, charsets."""

from __future__ import annotations

import pytest

from channels.email.charsets import decode_bytes, repair
from channels.email.clean import clean_reply
from channels.email.threading import (
    conversation_key,
    find_token,
    format_token,
    normalize_subject,
    subject_key,
)


@pytest.mark.parametrize(
    "quoted",
    [
        "On Mon, Nov 18, 2024 at 10:00 AM Anna <a@okno.example> wrote:\n> old",
        "On Mon, Nov 18, 2024 at 10:00 AM Anna <a@okno.example>\nwrote:\n> old",
        "-----Original Message-----\nFrom: Anna\nSent: Monday\nold",
        "-----Исходное сообщение-----\nОт: Анна\nold",
        "От: Анна <a@okno.example>\nОтправлено: 18 ноября 2024 г. 12:00\nКому: Пётр\nold",
        "From: Anna <a@okno.example>\nSent: Monday, November 18, 2024 12:00\nold",
        '18.11.2024, 10:00, "Анна" <a@okno.example>:\n> old',
        "Понедельник, 18 ноября 2024, 10:00 +03:00 от Анна <a@okno.example>:\n> old",
        "18 нояб. 2024 г., в 10:00, Анна <a@okno.example> написал(а):\n> old",
        "Анна пишет:\n> old",
        "> old\n> older",
        "-- \nПётр Иванов\nтел. 8 800",
        "Отправлено с iPhone",
    ],
)
def test_quotes_and_signatures_are_cut(quoted: str) -> None:
    cleaned = clean_reply(f"Новый ответ.\n\n{quoted}")
    assert cleaned.text == "Новый ответ." and cleaned.cut


def test_bottom_posting_keeps_the_answer_below_the_quote() -> None:
    text = "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello"
    assert clean_reply(text).text == "Hello"


def test_forwarded_text_is_kept_whole() -> None:
    text = "Смотрите ниже.\n\n---------- Forwarded message ----------\nFrom: X <x@y.z>\nDate: Mon\n\nсуть"
    assert clean_reply(text).text == text and not clean_reply(text).cut


def test_a_mail_that_is_only_quotes_keeps_its_text() -> None:
    assert clean_reply("> всё процитировано").text == "> всё процитировано"


def test_request_token() -> None:
    assert format_token(1042) == "[#R-1042]"
    assert find_token("RE: Претензия [#R-1042]") == "R-1042"
    assert find_token("Re: [# r-7 ] счёт") == "R-7"
    assert find_token("Заявка #1042") is None


def test_subject_normalization() -> None:
    assert normalize_subject("RE: Fwd: Ответ: Счёт  на оплату [#R-5]") == "счёт на оплату"
    assert normalize_subject("Re[2]: AW: Счёт на оплату") == "счёт на оплату"
    assert subject_key("A@b.ru", "Re: Счёт") == subject_key("a@b.ru", "Ответ: счёт")


def test_conversation_key_order() -> None:
    def key(refs: tuple[str, ...] = (), irt: str | None = None, subject: str | None = "Счёт") -> str:
        return conversation_key(
            references=refs, in_reply_to=irt, subject=subject, sender_email="a@b.ru", own_id="own@b.ru"
        )

    assert key(("root@x", "mid@x"), "mid@x", "Re: Счёт [#R-1]") == "root@x"
    assert key((), "parent@x", "Re: Счёт [#R-1]") == "parent@x"
    assert key(subject="Re: Счёт [#R-1]") == "token:R-1"
    assert key(subject="Re: Счёт") == subject_key("a@b.ru", "Счёт")
    assert key(subject="Счёт") == "own@b.ru"
    assert len(key(("x" * 300,))) <= 255


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        ("Привет, мир".encode("cp1251"), "windows-1251"),
        ("Привет, мир".encode("cp1251"), None),
        ("Привет, мир".encode("koi8-r"), None),
        ("Привет, мир".encode("koi8-r"), "iso-8859-1"),
        ("Привет, мир".encode("cp1251"), "x-unknown"),
        ("Привет, мир".encode(), "windows-1251"),
        ("Привет, мир".encode("iso-8859-5"), "iso-8859-5"),
    ],
)
def test_decode_bytes(data: bytes, declared: str | None) -> None:
    assert decode_bytes(data, declared) == "Привет, мир"


def test_repair_leaves_honest_text_alone() -> None:
    for text in ("Привет, мир", "café crème brûlée", "Grüße aus Köln", "plain"):
        assert repair(text) == text
    assert repair("ÐŸÑ€Ð¸Ð²ÐµÑ‚") == "Привет"
    assert repair("РџСЂРёРІРµС‚") == "Привет"


def test_account_config_from_the_cli_strings() -> None:
    from channels.base import AccountView
    from channels.email.account import AccountConfigError, mail_account

    config = {
        "address": "sales@example.ru", "imap_host": "imap.yandex.ru", "imap_security": "tls",
        "smtp_host": "smtp.yandex.ru", "smtp_security": "starttls", "mailboxes": "INBOX, Заявки",
        "verify_tls": "false", "poll_interval_s": "30", "imap_port": "9993",
    }  # fmt: skip
    account = mail_account(AccountView("email", "sales", config, {"password": "p"}))
    assert account.mailboxes == ("INBOX", "Заявки") and account.verify_tls is False and account.use_idle
    assert (account.imap_port, account.smtp_port, account.poll_interval_s) == (9993, 587, 30.0)
    assert account.username == "sales@example.ru" and account.domain == "example.ru"
    with pytest.raises(AccountConfigError):
        mail_account(AccountView("email", "x", {**config, "imap_security": "ssl"}, {}))
    with pytest.raises(AccountConfigError):
        mail_account(AccountView("email", "x", {**config, "address": "nobody"}, {}))


def test_outlook_rule_is_cut_only_above_a_header_block() -> None:
    quoted = "Ответ.\n\n________________________________\nОт: Анна <a@b.ru>\nОтправлено: вчера\nстарое"
    assert clean_reply(quoted).text == "Ответ."
    form = "Форма:\n______________\nподпись\n\nещё"
    assert clean_reply(form).text == form
