"""The answers a client may tap, as Graph API bodies: reply buttons for up to three, a list for up to ten, and
nothing (the text goes plain) where WhatsApp would refuse them."""

from __future__ import annotations

import pytest

from channels.whatsapp.payloads import choices_body

WA_ID = "79161234567"
ASK = "Оцените нашу работу от 1 до 5"


def test_two_choices_are_reply_buttons() -> None:
    body = choices_body(WA_ID, "Акт подписан?", ("Да", "Нет"), reply_to=None, label="Выбрать")
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Акт подписан?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "Да", "title": "Да"}},
                    {"type": "reply", "reply": {"id": "Нет", "title": "Нет"}},
                ]
            },
        },
    }


def test_five_choices_are_a_list_opened_by_the_label() -> None:
    body = choices_body(WA_ID, ASK, ("1", "2", "3", "4", "5"), reply_to=None, label="Выбрать")
    assert body is not None and body["type"] == "interactive"
    interactive = body["interactive"]
    assert (interactive["type"], interactive["body"]) == ("list", {"text": ASK})
    assert interactive["action"] == {
        "button": "Выбрать",
        "sections": [{"rows": [{"id": c, "title": c} for c in "12345"]}],
    }


def test_reply_context_is_kept() -> None:
    buttons = choices_body(WA_ID, "Да или нет?", ("Да", "Нет"), reply_to="wamid.IN1", label="Выбрать")
    listed = choices_body(WA_ID, ASK, tuple("12345"), reply_to="wamid.IN1", label="Выбрать")
    assert buttons is not None and buttons["context"] == {"message_id": "wamid.IN1"}
    assert listed is not None and listed["context"] == {"message_id": "wamid.IN1"}


def test_a_title_too_long_for_a_button_still_fits_a_row() -> None:
    body = choices_body(
        WA_ID,
        "Когда удобно?",
        ("Сегодня после обеда", "Завтра в первой половине"),
        reply_to=None,
        label="Выбрать",
    )
    assert body is not None and body["interactive"]["type"] == "list"


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        (ASK, tuple(str(n) for n in range(1, 12))),  # eleven: more than a list holds
        ("Когда удобно?", ("Да", "В любой будний день после обеда")),  # 31 characters: over a row's 24
        ("x" * 1025, ("Да", "Нет")),  # over the interactive body's 1024 (plain text takes 4096)
        ("Да или нет?", ("Да", "Да")),  # Meta refuses the same title twice
        ("Да или нет?", ("Да", "")),  # and an empty one
        ("Да или нет?", ()),
    ],
)
def test_what_whatsapp_would_refuse_goes_as_plain_text(text: str, choices: tuple[str, ...]) -> None:
    assert choices_body(WA_ID, text, choices, reply_to="wamid.IN1", label="Выбрать") is None


def test_a_long_label_is_cut_to_the_list_buttons_twenty() -> None:
    body = choices_body(WA_ID, ASK, tuple("12345"), reply_to=None, label="Выберите, пожалуйста, оценку")
    assert body is not None and len(body["interactive"]["action"]["button"]) == 20
