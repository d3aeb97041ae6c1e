"""The pure parts: how staff name clients."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from storage.repos.client_search import latin, name_score

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("query", "name", "score"),
    [
        ("Ромашка", "ООО «Ромашка»", 3),
        ("Ромашкой", "ООО «Ромашка»", 2),
        ("Romashka", "ООО «Ромашка»", 2),
        ("Василёк", "ООО «Ромашка»", 0),
        ("ООО", "ООО «Ромашка»", 0),
    ],
)
def test_names_match_across_cases_and_scripts(query: str, name: str, score: int) -> None:
    assert name_score(query, name) == score


def test_transliteration() -> None:
    assert latin("Щукин") == "shchukin" and latin("Хлеб") == "hleb"
