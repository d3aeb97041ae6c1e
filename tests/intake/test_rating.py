"""A client's answer to «оцените нашу работу от 1 до 5»: the score begins the message (a digit, «4/5», a
keycap, stars, «Оценка: 2»), what follows is the comment (an email's quote and signature left out); a
message that only begins with a number — a date, a time, a count — is no rating."""

from __future__ import annotations

import pytest

from intake.rating import Rating, parse_rating


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", Rating(5, None)),
        (" 4 ", Rating(4, None)),
        ("5!", Rating(5, None)),
        ("5)", Rating(5, None)),
        ("4/5", Rating(4, None)),
        ("3 из 5", Rating(3, None)),
        ("5️⃣", Rating(5, None)),
        ("⭐⭐⭐⭐", Rating(4, None)),
        ("★★★☆☆ долго ждали", Rating(3, "долго ждали")),
        ("5, спасибо!", Rating(5, "спасибо!")),
        ("5 спасибо", Rating(5, "спасибо")),
        ("Оценка: 2 — акт так и не прислали, ждали неделю", Rating(2, "акт так и не прислали, ждали неделю")),
        ("моя оценка 1. Больше не обратимся", Rating(1, "Больше не обратимся")),
        ("2\nОтвечали по три дня", Rating(2, "Отвечали по три дня")),
        ("5\n\nС уважением,\nИван Петров\nООО «Ромашка»", Rating(5, None)),
        (
            "4 — всё сделали, но со второго раза\n\nПн, 30 нояб. 2026 г. в 10:02, okno <office@balans.test> "
            "написал:\n> Оцените, пожалуйста, нашу работу",
            Rating(4, "всё сделали, но со второго раза"),
        ),
        ("Rating: 5 of 5, thank you", Rating(5, "thank you")),
    ],
)
def test_an_answer_that_begins_with_the_score_is_a_rating(text: str, rating: Rating) -> None:
    assert parse_rating(text) == rating


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "Спасибо!",
        "10",
        "0",
        "6",
        "5 актов ещё нужно",
        "1.12 пришлите счёт",
        "3-го числа жду документы",
        "5:30 удобно созвониться?",
        "2,5 тысячи в счёте лишние",
        "4х экземплярах нужен акт",
        "Ставка 5% не та",
        "Хорошо",
        "> 5\nне то",
    ],
)
def test_a_message_that_only_begins_with_a_number_is_no_rating(text: str | None) -> None:
    assert parse_rating(text) is None
