"""A name as written ("Ивану", "Ване", "Соколову", "John") to one staff member, or an ambiguity to ask.

A company of eighty repeats first names, and its commonest surnames are made of them (Иванов, Петров,
Сергеев): "Иванову" must find Пётр Иванов, not every Иван. So a word that is a form of a name part itself
("Иванову" of Иванов) outranks one that only begins with it ("Иванову" of Иван), and the best-matched
people win; a tie is asked about."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Short forms staff use for each other; the key is the full first name. A form may repeat under two names
# ("Женя", "Саша", "Слава", "Валя"): then the mention is asked about.
DIMINUTIVES = {
    "иван": ("ваня", "ванечка", "ванька"),
    "мария": ("маша", "машенька", "маня"),
    "ольга": ("оля", "оленька"),
    "алексей": ("алеша", "леша", "алекс", "alexey", "alex"),
    "александр": ("саша", "шура", "саня", "alexander"),
    "александра": ("саша", "шура"),
    "дмитрий": ("дима", "митя", "dmitry"),
    "екатерина": ("катя",),
    "сергей": ("сережа",),
    "наталья": ("наташа",),
    "наталия": ("наташа",),
    "анна": ("аня",),
    "михаил": ("миша",),
    "елена": ("лена",),
    "татьяна": ("таня",),
    "павел": ("паша", "павл"),  # "павл": Павлу, Павлом drop the vowel
    "петр": ("петя",),
    "николай": ("коля",),
    "андрей": ("андрюша",),
    "владимир": ("вова", "володя"),
    "евгений": ("женя",),
    "евгения": ("женя",),
    "юлия": ("юля",),
    "светлана": ("света",),
    "виктор": ("витя",),
    "виктория": ("вика",),
    "константин": ("костя",),
    "анастасия": ("настя",),
    "ирина": ("ира",),
    "людмила": ("люда",),
    "галина": ("галя",),
    "юрий": ("юра",),
    "виталий": ("виталик",),
    "вячеслав": ("слава",),
    "станислав": ("стас", "слава"),
    "ярослав": ("слава",),
    "владислав": ("влад",),
    "григорий": ("гриша",),
    "валентина": ("валя",),
    "валентин": ("валя",),
    "валерий": ("валера",),
    "ксения": ("ксюша",),
    "дарья": ("даша",),
    "маргарита": ("рита",),
    "максим": ("макс",),
    "артем": ("темочка",),  # not "Тёма": without its ё it is "Тема:", a forwarded email's subject line
    "антон": ("антоша",),
    "роман": ("рома",),
    "лев": ("лева", "льв"),  # Льву, Львом
    "борис": ("боря",),
    "георгий": ("жора", "гоша"),
    "василий": ("вася",),
    "леонид": ("леня",),
    "геннадий": ("гена",),
    "любовь": ("люба", "любв"),  # Любви
    "надежда": ("надя",),
    "елизавета": ("лиза",),
    "софья": ("соня",),
    "софия": ("соня",),
    "эдуард": ("эдик",),
    "семен": ("сема",),
    "аркадий": ("аркаша",),
    "вадим": ("вадик",),
    "кирилл": ("кирюша",),
    "никита": ("никитка",),
    "илья": ("илюша",),
    "тимофей": ("тима",),
    "егор": ("егорка",),
}
# First names without a short form in use, so that a directory written surname first ("Соколов Иван
# Петрович", as HR exports list people) is still read right.
_MORE_FIRST_NAMES = {
    "олег",
    "игорь",
    "денис",
    "руслан",
    "тимур",
    "вера",
    "оксана",
    "полина",
    "кристина",
    "алина",
    "фёдор",
    "федор",
    "степан",
    "марина",
    "вероника",
    "ульяна",
    "арина",
    "диана",
    "яна",
    "лариса",
    "нина",
    "зоя",
    "john",
    "james",
    "michael",
    "david",
    "peter",
    "anna",
    "maria",
    "elena",
    "olga",
}
SELF = {"мне", "меня", "я", "me", "myself", "i", "себе", "мені"}
_ENDINGS = re.compile(r"(ой|ей|ою|ею|ом|ем|ым|им|ую|юю|а|я|у|ю|е|и|ы|ь|й|о)$")
_PATRONYMIC = re.compile(r"(вич|вна|ична|инична)$")
_MALE_SURNAME = re.compile(r"(ов|ев|ёв|ин|ын)$")
_WORD = re.compile(r"[\w'-]+")
_CAPITALIZED = re.compile(r"[A-ZА-ЯЁІЇЄ][\w'-]+")


@dataclass(frozen=True)
class Resolved:
    staff: str | None  # the one staff member meant
    candidates: tuple[str, ...] = ()  # several fit: ask which


def _norm(word: str) -> str:
    return word.casefold().replace("ё", "е").strip(".,:;!?«»\"'")


def _stem(word: str) -> str:
    word = _norm(word)
    return _ENDINGS.sub("", word) if len(word) >= 3 else word


def _first_name_index(parts: Sequence[str]) -> int:
    """Which part is the first name: a known one, else the one before a patronymic, else the first."""
    for i, part in enumerate(parts):
        if part in DIMINUTIVES or part in _MORE_FIRST_NAMES:
            return i
    for i, part in enumerate(parts):
        if i > 0 and _PATRONYMIC.search(part):
            return i - 1
    return 0


@dataclass(frozen=True)
class _Person:
    stems: tuple[str, ...]  # of every name part, the first name's short forms and a woman's surname base
    male_surnames: tuple[str, ...]  # stems a feminine ending ("Беловой") cannot be a form of


@lru_cache(maxsize=4096)
def _person(full_name: str) -> _Person:
    parts = [_norm(p) for p in full_name.split()]
    stems = [_stem(p) for p in parts]
    male: list[str] = []
    if parts:
        first = _first_name_index(parts)
        stems += [_stem(d) for d in DIMINUTIVES.get(parts[first], ())]
        for i, part in enumerate(parts):
            if i == first or _PATRONYMIC.search(part):
                continue
            if part.endswith("а") and len(parts) > 1:
                stems.append(_stem(part[:-1]))  # Петрова: "Петровой" and "Петрову" share the base Петров
            elif _MALE_SURNAME.search(part):
                male.append(_stem(part))
    return _Person(tuple(dict.fromkeys(s for s in stems if s)), tuple(male))


def _strength(word: str, person: _Person) -> int:
    """2: the word is a form of a name part; 1: it only begins with one ("Иванову" of Иван); 0: no."""
    w = _norm(word)
    stem = _stem(w)
    feminine = w.endswith(("ой", "ою"))  # "Беловой" is Белова's, not Белов's (his is "Беловым")
    if any(stem == s or w == s for s in person.stems if not (feminine and s in person.male_surnames)):
        return 2
    fits = any(
        w.startswith(s) and len(w) - len(s) <= (3 if len(s) >= 3 else 1) and len(s) >= 2 for s in person.stems
    )
    return 1 if fits else 0


def _best(words: Sequence[str], staff: Sequence[str]) -> list[str]:
    """The staff members every word fits, keeping only those the words fit best."""
    scored: list[tuple[int, str]] = []
    for name in staff:
        person = _person(name)
        strengths = [_strength(w, person) for w in words]
        if all(strengths):
            scored.append((sum(strengths), name))
    top = max((score for score, _ in scored), default=0)
    return [name for score, name in scored if score == top]


def resolve_staff(mention: str, staff: Sequence[str], *, author: str | None = None) -> Resolved:
    """Every capitalized word of the mention must point at the same people; one fits best: them, several:
    ask, none: None."""
    words = [w for w in _WORD.findall(mention) if len(w) > 1 or _norm(w) == "я"]
    if not words:
        return Resolved(None)
    if any(_norm(w) in SELF for w in words) and author:
        return Resolved(author)
    named = [w for w in words if w[:1].isupper()]
    if not named:
        return Resolved(None)
    fitting = _best(named, staff)
    if len(fitting) == 1:
        return Resolved(fitting[0])
    return Resolved(None, tuple(fitting))


def _mentions(text: str) -> list[list[str]]:
    """Runs of capitalized words written one after another ("Ивану Петрову"): one person each."""
    runs: list[list[str]] = []
    end = -1
    for m in _CAPITALIZED.finditer(text):
        if runs and text[end : m.start()].isspace():
            runs[-1].append(m.group())
        else:
            runs.append([m.group()])
        end = m.end()
    return runs


def staff_in_text(text: str, staff: Sequence[str]) -> list[str]:
    """Staff members named anywhere in a text, in the order first named; a name several people share gives
    all of them (the caller asks which)."""
    found: list[str] = []
    for run in _mentions(text):
        words = [w for w in run if any(_strength(w, _person(name)) for name in staff)]
        people = _best(words, staff) if words else []
        if words and not people:  # "Ивану Морозову" with no Иван Морозов: two people named
            people = [name for w in words for name in _best([w], staff)]
        found += [name for name in people if name not in found]
    return found
