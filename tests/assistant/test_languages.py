"""The language of a question or answer, by its letters."""

from __future__ import annotations

import pytest

from assistant.languages import language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Что Ромашка спрашивала про счета в октябре?", "ru"),
        ("Що клієнт питав про договір у листопаді?", "uk"),
        ("Що він хоче?", "uk"),
        ("What did Klaus ask about the memory modules?", "en"),
        ("Клиент Klaus Meier из GmbH спрашивал о цене", "ru"),  # names in Latin, a Russian sentence
        ("Klaus wrote «спасибо» about the invoice for October", "en"),
        ("Клиент написал «дякуємо» и ждёт акт сверки за октябрь", "ru"),  # one Ukrainian word quoted
    ],
)
def test_language_by_letters(text: str, expected: str) -> None:
    assert language(text) == expected


def test_a_text_without_letters_takes_the_default() -> None:
    assert language("64 000 ₽") == "en" and language("64 000 ₽", default="ru") == "ru"
    assert language("64 000 ₽ (sixty-four)", default="ru") == "en"
