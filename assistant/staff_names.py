"""A name as written ("Ивану", "Ване", "Соколову", "John") to one staff member, or an ambiguity to ask."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Short forms staff use for each other; the key is the full first name.
DIMINUTIVES = {
    "иван": ("ваня", "ванечка", "ванька"),
    "мария": ("маша", "машенька", "маня"),
    "ольга": ("оля", "оленька"),
    "алексей": ("алеша", "леша", "алекс", "alexey", "alex"),
    "александр": ("саша", "шура", "alexander"),
    "дмитрий": ("дима", "митя", "dmitry"),
    "екатерина": ("катя",),
    "сергей": ("сережа",),
    "наталья": ("наташа",),
    "анна": ("аня",),
    "михаил": ("миша",),
    "елена": ("лена",),
    "татьяна": ("таня",),
    "павел": ("паша",),
    "петр": ("петя",),
    "николай": ("коля",),
    "андрей": ("андрюша",),
}
SELF = {"мне", "меня", "я", "me", "myself", "i", "себе", "мені"}
_ENDINGS = re.compile(r"(ой|ей|ою|ею|ом|ем|ым|им|ую|юю|а|я|у|ю|е|и|ы|ь|й|о)$")


@dataclass(frozen=True)
class Resolved:
    staff: str | None  # the one staff member meant
    candidates: tuple[str, ...] = ()  # several fit: ask which


def _norm(word: str) -> str:
    return word.casefold().replace("ё", "е").strip(".,:;!?«»\"'")


def _stem(word: str) -> str:
    word = _norm(word)
    return _ENDINGS.sub("", word) if len(word) >= 3 else word


def _forms(full_name: str) -> list[str]:
    """Stems of the first name, its short forms and the surname (Петров/Петрова share one)."""
    parts = [_norm(p) for p in full_name.split()]
    stems = [_stem(p) for p in parts]
    if parts:
        stems += [_stem(d) for d in DIMINUTIVES.get(parts[0], ())]
    if len(parts) > 1 and parts[-1].endswith("а"):
        stems.append(_stem(parts[-1][:-1]))
    return stems


def _fits(word: str, stems: Sequence[str]) -> bool:
    w = _norm(word)
    # two-letter stems ("ол" of Оля) only with a case ending, never as the start of a longer name
    return any(
        w.startswith(s) and len(w) - len(s) <= (3 if len(s) >= 3 else 1) and len(s) >= 2 for s in stems
    )


def resolve_staff(mention: str, staff: Sequence[str], *, author: str | None = None) -> Resolved:
    """Every word of the mention must point at the same people; one fits: them, several: ask, none: None."""
    words = [w for w in re.findall(r"[\w'-]+", mention) if len(w) > 1 or _norm(w) == "я"]
    if not words:
        return Resolved(None)
    if any(_norm(w) in SELF for w in words) and author:
        return Resolved(author)
    fitting = [name for name in staff if all(_fits(w, _forms(name)) for w in words if w[:1].isupper())]
    named = [w for w in words if w[:1].isupper()]
    if not named:
        return Resolved(None)
    if len(fitting) == 1:
        return Resolved(fitting[0])
    return Resolved(None, tuple(fitting))


def staff_in_text(text: str, staff: Sequence[str]) -> list[str]:
    """Staff members named anywhere in a text, in the order first named."""
    found: list[tuple[int, str]] = []
    for m in re.finditer(r"[A-ZА-ЯЁІЇЄ][\w'-]+", text):
        for name in staff:
            if _fits(m.group(), _forms(name)) and name not in [f[1] for f in found]:
                found.append((m.start(), name))
    return [name for _, name in sorted(found)]
