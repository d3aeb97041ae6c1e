"""Which of okno's languages a text is written in, by its letters (no model: a question is a few words)."""

from __future__ import annotations

import re

# "answer in this language", said in it (rag dev: as often in the question's language as after "Answer in
# Russian.", 0.773, and the fact stated more often, 0.909 against 0.864)
ANSWER_IN = {"ru": "Ответь по-русски.", "uk": "Відповідай українською.", "en": "Answer in English."}
NAMES = {"ru": "Russian", "uk": "Ukrainian", "en": "English"}
_CYRILLIC = re.compile("[а-яёіїєґ]", re.IGNORECASE)
_LATIN = re.compile("[a-z]", re.IGNORECASE)
_UKRAINIAN = re.compile("[іїєґ]", re.IGNORECASE)  # letters Russian lacks: ~1 in 15 of a Ukrainian text's
UKRAINIAN_SHARE = 0.03  # a Russian answer quoting one Ukrainian word stays Russian


def language(text: str, default: str = "en") -> str:
    """ru, uk or en: Cyrillic or Latin by most letters (an English name in a Russian sentence stays ru);
    `default` for a text without letters ("64 000 ₽")."""
    cyrillic, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if cyrillic == 0 or cyrillic < latin:
        return "en" if latin else default
    return "uk" if len(_UKRAINIAN.findall(text)) >= UKRAINIAN_SHARE * cyrillic else "ru"
