"""Deterministic request-form extraction from one client message: INN, company name, deadline.

"Добрый день! ООО «Ромашка», ИНН 7707083893. Нужно подготовить акт сверки до пятницы." -> FormFacts(
inn='7707083893', company='ООО «Ромашка»', due_at=<that Friday 18:00 local, in UTC>, due_phrase='до пятницы').
No LLM and no I/O: the same text and `now` always give the same form. The date rules live in intake.dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from stdnum.ru import inn as stdnum_inn

from intake.dates import find_due
from intake.salutations import is_greeting, is_sign_off, signature_like

__all__ = [
    "FormFacts",
    "counterparties",
    "essence",
    "extract_form",
    "find_company",
    "find_due",
    "find_inns",
    "is_valid_inn",
]


@dataclass(frozen=True)
class FormFacts:
    inn: str | None  # first VALID INN in the text (10 or 12 digits, checksum OK)
    company: str | None  # normalized company name, e.g. 'ООО «Ромашка»', 'ИП Иванов И.И.'
    due_at: datetime | None  # timezone-aware, in UTC
    due_phrase: str | None  # the exact substring of the text the due date came from
    invalid_inns: tuple[str, ...] = ()  # numbers labelled as INN that fail the checksum (a note to staff)


def is_valid_inn(value: str) -> bool:
    """10 digits (legal entity) or 12 digits (individual) with a correct checksum."""
    return len(value) in (10, 12) and value.isdigit() and bool(stdnum_inn.is_valid(value))


# ---------------------------------------------------------------- INN

_INN_RUN = re.compile(r"(?<!\d)(?:\d{12}|\d{10})(?!\d)")  # never a slice of a longer digit run
# "ИНН 7707083893", "ИНН: ...", "ИНН/КПП 7707083893/770701001": the label, then no other digits.
_INN_LABEL = re.compile(r"(?<!\w)(?:ИНН|INN)(?!\w)[^\d\n]{0,25}$", re.IGNORECASE)
# An unlabelled run right after one of these is a phone, an account or another register number.
_OTHER_LABEL = re.compile(
    r"(?:(?<!\w)(?:КПП|ОГРНИП|ОГРН|ОКПО|ОКАТО|ОКТМО|БИК|тел\w*|phone|tel|моб\w*|whatsapp|р/с|к/с|сч[её]т\w*)"
    r"[^\d\n]{0,15}|№\s*|\+\s*)$",
    re.IGNORECASE,
)


def find_inns(text: str) -> tuple[list[str], list[str]]:
    """(valid, invalid) INNs in text order, labelled valid ones first.

    An unlabelled 10/12-digit run that fails the checksum is ignored (it is likely a phone or an
    order number); one labelled "ИНН" that fails goes to `invalid` so staff can ask the client again.
    """
    labelled: list[str] = []
    unlabelled: list[str] = []
    invalid: list[str] = []
    for match in _INN_RUN.finditer(text):
        number, window = match.group(), max(0, match.start() - 40)
        is_labelled = _INN_LABEL.search(text, window, match.start()) is not None
        if is_valid_inn(number):
            if is_labelled:
                labelled.append(number)
            elif not _OTHER_LABEL.search(text, window, match.start()):
                unlabelled.append(number)
        elif is_labelled:
            invalid.append(number)
    return _unique(labelled + unlabelled), _unique(invalid)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------- company

# Longest first, so ФГУП is not read as ГУП and ОАО not as АО; (?<!\w)/(?!\w) keep "АОЭ", "выпАО" out.
_SHORT_FORM = r"(?<!\w)(?P<form>ФГУП|ГУП|МУП|ООО|ОАО|ЗАО|ПАО|НКО|АНО|АО|ИП)(?!\w)"
# Full spelled-out forms, in any case ending ("общества с ограниченной ответственностью").
_LONG_FORMS = (
    (r"обществ\w*\s+с\s+ограниченной\s+ответственностью", "ООО"),
    (r"публичн\w*\s+акционерн\w*\s+обществ\w*", "ПАО"),
    (r"закрыт\w*\s+акционерн\w*\s+обществ\w*", "ЗАО"),
    (r"открыт\w*\s+акционерн\w*\s+обществ\w*", "ОАО"),
    (r"(?:непубличн\w*\s+)?акционерн\w*\s+обществ\w*", "АО"),
    (r"автономн\w*\s+некоммерческ\w*\s+организаци\w*", "АНО"),
    (r"некоммерческ\w*\s+организаци\w*", "НКО"),
    (r"федеральн\w*\s+государственн\w*\s+унитарн\w*\s+предприяти\w*", "ФГУП"),
    (r"государственн\w*\s+унитарн\w*\s+предприяти\w*", "ГУП"),
    (r"муниципальн\w*\s+унитарн\w*\s+предприяти\w*", "МУП"),
    (r"индивидуальн\w*\s+предпринимател\w*", "ИП"),
)
_LONG_FORM = "|".join(f"(?P<long{i}>(?i:{pattern}))" for i, (pattern, _) in enumerate(_LONG_FORMS))

_QUOTED = r"(?:«(?P<q1>(?:[^«»\n]|«[^«»\n]*»){1,100})»|[\"„“”](?P<q2>[^\"„“”«»\n]{1,100})[\"“”])"
_NAME_WORD = r"[A-ZА-ЯЁ0-9][\w&+-]*"
_BARE = rf"(?P<bare>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}})"
# An individual entrepreneur: "Иванов И.И.", "Иванов И. И.", "И.И. Иванов", "Иванов Иван Иванович".
_SURNAME = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_INITIALS = r"[А-ЯЁ]\.(?:[ \t]*[А-ЯЁ]\.)?"
_PERSON = (
    rf"(?P<person>{_SURNAME}(?:[ \t]+{_INITIALS}|[ \t]+[А-ЯЁ][а-яё]+[ \t]+[А-ЯЁ][а-яё]+(?:вич|вна|ична|ич))?"
    rf"|{_INITIALS}[ \t]*{_SURNAME})(?!\w)"
)

_RU_COMPANY = re.compile(rf"{_SHORT_FORM}[ \t]*(?:{_QUOTED}|{_BARE})")
_RU_LONG_COMPANY = re.compile(rf"(?<!\w)(?:{_LONG_FORM})[ \t]*(?:{_QUOTED}|{_BARE})")
_IP = re.compile(rf"(?:(?<!\w)ИП|(?i:(?<!\w)индивидуальн\w*\s+предпринимател\w*))[ \t]+{_PERSON}")
_EN_NAME = r"[A-Z][\w&-]*(?:[ \t]+[A-Z][\w&-]*){0,2}"
_EN_PREFIX = re.compile(rf"(?<!\w)(?P<form>LLC)[ \t]+(?:{_QUOTED}|(?P<bare>{_EN_NAME}))")
_EN_SUFFIX = re.compile(
    rf"(?:{_QUOTED}|(?<!\w)(?P<bare>{_EN_NAME}))[ \t]*,?[ \t]+(?P<form>LLC|Ltd|LTD)\.?(?!\w)"
)
# The word before a company that makes it the other side of the client's business, not the client: "акт
# сверки с ООО «Поставщик-М»" (the demo's request took the supplier's name as the client's), "with Acme LLC",
# "поставщиком ООО «Лютик»". "от" and "для" stay the client's own ("письмо от ООО …", "счёт для АО …").
_COUNTERPARTY_BEFORE = re.compile(
    r"(?<!\w)(?:с|со|with|against|против"
    r"|поставщик\w*|контрагент\w*|подрядчик\w*|покупател\w*|перевозчик\w*|арендодател\w*"
    r"|supplier|vendor|contractor|counterparty)[ \t]+$",
    re.IGNORECASE,
)
# Words that end an unquoted name: the next requisite label or another legal form.
_STOP_WORDS = "ИНН КПП ОГРН ОГРНИП БИК INN ИП ООО АО ОАО ЗАО ПАО LLC Ltd"
_NAME_STOP = frozenset(_STOP_WORDS.split())


def _squash(value: str) -> str:
    return " ".join(value.split())


def _name(match: re.Match[str]) -> str | None:
    quoted = match.group("q1") or match.group("q2")
    if quoted:
        return _squash(quoted) or None
    words: list[str] = []
    for word in _squash(match.group("bare") or "").split():
        if word in _NAME_STOP:
            break
        words.append(word)
    return " ".join(words).strip("-") or None


def _long_form(match: re.Match[str]) -> str:
    return next(form for i, (_, form) in enumerate(_LONG_FORMS) if match.group(f"long{i}"))


def _companies(text: str) -> list[tuple[int, str]]:
    """Every company mention as (position, normalized name), the counterparties' included."""
    found: list[tuple[int, str]] = []
    for match in _IP.finditer(text):
        # Keep the person's name as written; only squash spaces and glue initials ("И. И." -> "И.И.").
        person = re.sub(r"(?<=\.)[ \t]+(?=[А-ЯЁ]\.)", "", _squash(match.group("person")))
        found.append((match.start(), f"ИП {person}"))
    for pattern, form_of in (
        (_RU_COMPANY, None),
        (_RU_LONG_COMPANY, _long_form),
        (_EN_PREFIX, None),
        (_EN_SUFFIX, None),
    ):
        for match in pattern.finditer(text):
            form = form_of(match) if form_of else match.group("form")
            name = _name(match)
            if name and not (form == "ИП" and match.group("bare")):  # bare ИП names go through _IP
                found.append((match.start(), f"{form.rstrip('.')} «{name}»"))
    return found


def _counterparty(text: str, start: int) -> bool:
    # the word just before: 30 characters hold the longest ("арендодателями ")
    return _COUNTERPARTY_BEFORE.search(text, max(0, start - 30), start) is not None


def find_company(text: str) -> str | None:
    """The first company mentioned as the writer's own, normalized to '<FORM> «<Name>»' (or 'ИП Surname
    I.I.')."""
    found = [(at, name) for at, name in _companies(text) if not _counterparty(text, at)]
    return min(found)[1] if found else None


def counterparties(text: str) -> list[str]:
    """The companies the text names as the other side of the client's business ("сверка с ООО «Лютик»"),
    normalized as find_company's; a company also named as the writer's own is not one."""
    found = _companies(text)
    own = {name for at, name in found if not _counterparty(text, at)}
    return list(dict.fromkeys(name for at, name in sorted(found) if name not in own))


# ---------------------------------------------------------------- what to do

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
# What is left of a sentence that only says who writes once its companies, INNs and numbers are out
_INTRO = """это мы я наш наша наше наши компания организация инн кпп огрн огрнип реквизиты
це ми наша іпн компанія we are this is i am our company inn from"""
_INTRO_WORDS = frozenset(_INTRO.split())


def _company_spans(text: str) -> str:
    """The text with every company mention blanked out."""
    for pattern in (_IP, _RU_COMPANY, _RU_LONG_COMPANY, _EN_PREFIX, _EN_SUFFIX):
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


# "Ирина из Ромашки.", "Это Пётр Волков из ООО «Вектор»", "Anna from Acme": a person and the company they
# write from, nothing more (capitalised names; a sentence with anything else in it is kept)
_NAMED = r"[A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁ][a-zа-яё]+)?"
_PERSON_FROM = re.compile(
    rf"^(?:(?:[Ээ]то|[Яя]|[Мм]еня зовут|[Tt]his is|I am|I'm|[Цц]е)\s+)?{_NAMED}(?:\s+{_NAMED})?"
    r"\s+(?:из|от|з|від|from)\s+(?:[Кк]омпании\s+|(?:ООО|АО|ПАО|ЗАО|ТОВ|ИП|LLC)\s+)?"
    rf"(?:«[^»]{{1,60}}»|\"[^\"]{{1,60}}\"|{_NAMED}(?:\s+{_NAMED})?)\s*[.!]?$"
)


def _introduction(sentence: str) -> bool:
    """Who writes ("Это ООО «Ромашка», ИНН 7707083893.", "Я ИП Смирнов А.В.", "Ирина из Ромашки."), which the
    form's company and INN fields and the contact hold."""
    if _PERSON_FROM.match(_squash(sentence)):
        return True
    rest = re.findall(r"[^\W\d_]+", _company_spans(sentence).casefold())
    return len(rest) < len(re.findall(r"\w+", sentence)) and set(rest) <= _INTRO_WORDS


def essence(text: str) -> str:
    """What a text says beyond its formalities: without its greeting, the sentences that only introduce the
    writer, and a sign-off with the signature under it (intake/salutations.py). The form's "what to do" is
    the first message's essence: the staff's inbox showed "Добрый день! Это ООО «Ромашка», ИНН 7707083893.
    Нужно подготовить акт сверки с п…" for "Нужно подготовить акт сверки с поставщиком до пятницы."; a text
    that is all greeting or introduction stays as written."""
    kept: list[str] = []
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    for i, sentence in enumerate(sentences):
        # "Спасибо!" first, or before another request, is no sign-off: one is followed by a signature only
        if kept and is_sign_off(sentence) and all(signature_like(s) for s in sentences[i + 1 :]):
            break
        if not is_greeting(sentence) and not _introduction(sentence):
            kept.append(sentence)
    # a line with no stop of its own (an email's subject, a list item) ends where its line did: the inbox
    # read "Акт сверки за 3 квартал Нужен акт сверки…"
    last = len(kept) - 1
    return " ".join(f"{s}." if i < last and s[-1].isalnum() else s for i, s in enumerate(kept)) or " ".join(
        text.split()
    )


# ---------------------------------------------------------------- form


def extract_form(text: str, *, now: datetime, tz: ZoneInfo) -> FormFacts:
    """Fill the request form from one message; `now` must be timezone-aware."""
    valid, invalid = find_inns(text)
    due = find_due(text, now=now, tz=tz)
    return FormFacts(
        inn=valid[0] if valid else None,
        company=find_company(text),
        due_at=due[0] if due else None,
        due_phrase=due[1] if due else None,
        invalid_inns=tuple(invalid),
    )
