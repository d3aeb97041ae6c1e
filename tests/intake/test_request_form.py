"""The deterministic request-form extractor: INN, company, deadline (intake/request_form.py + dates.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from stdnum.ru import inn as stdnum_inn

from intake.request_form import (
    FormFacts,
    counterparties,
    essence,
    extract_form,
    find_company,
    find_due,
    find_inns,
    is_valid_inn,
)

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=MSK)  # a Tuesday

VALID_10 = "7707083893"
VALID_12 = "500100732259"
BAD_10 = "7707083894"
BAD_12 = "500100732258"


def msk(month: int, day: int, hour: int = 18, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def due(text: str, now: datetime = NOW) -> tuple[datetime, str] | None:
    return find_due(text, now=now, tz=MSK)


RUSSIAN = [
    ("Нужно подготовить акт сверки до пятницы.", msk(11, 27), "до пятницы"),
    ("завтра к обеду", msk(11, 25, 13), "завтра к обеду"),
    ("Пришлите к 15 декабря, пожалуйста", msk(12, 15), "к 15 декабря"),
    ("до 1 марта", msk(3, 1, year=2027), "до 1 марта"),
    ("до 10 января", msk(1, 10, year=2027), "до 10 января"),  # long passed this year -> next year
    ("до 20.11", msk(11, 20), "до 20.11"),  # passed four days ago: a missed deadline, not next November
    ("до 1 октября", msk(10, 1), "до 1 октября"),  # 54 days ago: still this year's (LATE_DAYS = 60)
    ("до 20 сентября", msk(9, 20, year=2027), "до 20 сентября"),  # 65 days ago: next year's
    ("до 20 сентября 2027", msk(9, 20, year=2027), "до 20 сентября 2027"),
    ("срок 15.12", msk(12, 15), "срок 15.12"),
    ("не позднее 15.12.2026", msk(12, 15), "не позднее 15.12.2026"),
    ("до 01.12", msk(12, 1), "до 01.12"),  # day.month, never month/day
    ("через 3 дня", msk(11, 27), "через 3 дня"),
    ("через неделю", msk(12, 1), "через неделю"),
    ("через 2 часа", msk(11, 24, 12), "через 2 часа"),
    ("в течение двух дней", msk(11, 26), "в течение двух дней"),
    ("через пять дней", msk(11, 29), "через пять дней"),
    ("в течение трёх рабочих дней", msk(11, 27), "в течение трёх рабочих дней"),
    ("на следующей неделе", msk(12, 4), "на следующей неделе"),  # Friday of next week
    ("до конца недели", msk(11, 27), "до конца недели"),
    ("до конца месяца", msk(11, 30), "до конца месяца"),
    ("завтра", msk(11, 25), "завтра"),
    ("послезавтра", msk(11, 26), "послезавтра"),
    ("Сможете сегодня до 17?", msk(11, 24, 17), "сегодня до 17"),
    ("в среду", msk(11, 25), "в среду"),
    ("к понедельнику", msk(11, 30), "к понедельнику"),
    ("до следующей пятницы", msk(12, 4), "до следующей пятницы"),
    ("до 15.00", msk(11, 24, 15), "до 15.00"),
    ("к 15:00", msk(11, 24, 15), "к 15:00"),
    ("в 15 часов", msk(11, 24, 15), "в 15 часов"),
    ("завтра утром", msk(11, 25, 10), "завтра утром"),
    ("завтра к вечеру", msk(11, 25, 18), "завтра к вечеру"),
    ("к концу дня", msk(11, 24, 18), "к концу дня"),
    ("в пятницу до 12:00", msk(11, 27, 12), "в пятницу до 12:00"),
    ("к 15:00 завтра", msk(11, 25, 15), "к 15:00 завтра"),
    ("к 3 декабря в 14:30", msk(12, 3, 14, 30), "к 3 декабря в 14:30"),
    ("до 17 числа", msk(12, 17), "до 17 числа"),
    ("до 15-го декабря", msk(12, 15), "до 15-го декабря"),
]

ENGLISH = [
    ("Please send it by Friday.", msk(11, 27), "by Friday"),
    ("tomorrow", msk(11, 25), "tomorrow"),
    ("by December 15", msk(12, 15), "by December 15"),
    ("within 3 days", msk(11, 27), "within 3 days"),
    ("by EOD", msk(11, 24, 18), "by EOD"),
    ("by 5pm tomorrow", msk(11, 25, 17), "by 5pm tomorrow"),
    ("due Dec 15th", msk(12, 15), "due Dec 15th"),
    ("by the end of next week", msk(12, 4), "by the end of next week"),
    ("in 2 hours", msk(11, 24, 12), "in 2 hours"),
    ("by 2026-12-15", msk(12, 15), "by 2026-12-15"),  # not a rule: the dateparser fallback
]


@pytest.mark.parametrize(("text", "expected", "phrase"), RUSSIAN + ENGLISH)
def test_due_phrases(text: str, expected: datetime, phrase: str) -> None:
    found = due(text)
    assert found is not None
    due_at, due_phrase = found
    assert due_at.utcoffset() == timedelta(0)
    assert due_at.tzinfo is UTC
    assert due_at == expected.astimezone(UTC)
    assert due_at.astimezone(MSK).replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert due_phrase == phrase
    assert due_phrase in text


@pytest.mark.parametrize(
    "text",
    [
        "счёт от 12.10.2026",
        "спасибо, всё получили",
        "договор №5 от 1 ноября",
        "Счёт №15 от 1 ноября оплатили.",
        "Акт от 01.11.2026 получили",
        "вечером созвонимся",  # a time of day alone is not a deadline
        "в среде разработки ошибка",  # "в среде" is not Wednesday
        "к сожалению, не успеем",
        "до 10 тысяч рублей",
        "с 10 до 18 работаем",
        "до 31.02",  # no such date
        "15.12.2026",  # a date without a deadline word
    ],
)
def test_not_deadlines(text: str) -> None:
    assert due(text) is None


def test_weekday_said_on_that_weekday() -> None:
    friday_noon = datetime(2026, 11, 27, 12, 0, tzinfo=MSK)
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=MSK)
    assert due("до пятницы", friday_noon) == (msk(11, 27).astimezone(UTC), "до пятницы")
    assert due("до пятницы", friday_evening) == (msk(12, 4).astimezone(UTC), "до пятницы")


def test_time_already_past_today_means_tomorrow() -> None:
    assert due("к 9:00") == (msk(11, 25, 9).astimezone(UTC), "к 9:00")


def test_now_in_another_timezone_gives_the_same_answer() -> None:
    now_utc = NOW.astimezone(UTC)
    assert due("завтра к обеду", now_utc) == due("завтра к обеду")
    late_utc = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # already Wednesday 01:00 in Moscow
    assert due("завтра", late_utc) == (msk(11, 26).astimezone(UTC), "завтра")


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        find_due("завтра", now=datetime(2026, 11, 24, 10, 0), tz=MSK)


def test_first_deadline_wins_and_document_dates_are_skipped() -> None:
    text = "По договору от 01.10.2026 пришлите акт до 05.12, а счёт — к 10 декабря."
    assert due(text) == (msk(12, 5).astimezone(UTC), "до 05.12")


# ---------------------------------------------------------------- INN


def test_test_inns_have_the_intended_checksums() -> None:
    assert stdnum_inn.is_valid(VALID_10)
    assert stdnum_inn.is_valid(VALID_12)
    assert not stdnum_inn.is_valid(BAD_10)
    assert not stdnum_inn.is_valid(BAD_12)


def test_is_valid_inn() -> None:
    assert is_valid_inn(VALID_10)
    assert is_valid_inn(VALID_12)
    assert not is_valid_inn(BAD_10)
    assert not is_valid_inn(BAD_12)
    assert not is_valid_inn("770708389")
    assert not is_valid_inn("77070838931")
    assert not is_valid_inn("77070838 3")


@pytest.mark.parametrize(
    ("text", "valid", "invalid"),
    [
        (f"ИНН {VALID_10}", [VALID_10], []),
        (f"ИНН: {VALID_12}", [VALID_12], []),
        (f"INN {VALID_10}", [VALID_10], []),
        (f"ИНН {BAD_10}", [], [BAD_10]),
        (f"ИНН {BAD_12}", [], [BAD_12]),
        ("ИНН 770708389", [], []),  # 9 digits
        ("ИНН 77070838931", [], []),  # 11 digits
        (f"ИНН 12{VALID_12}", [], []),  # inside a longer digit run
        (f"{VALID_10}1234", [], []),
        ("тел. 79161234567", [], []),  # 11-digit phone
        ("звоните 89161234567 или 9261112233", [], []),  # unlabelled bad checksums are ignored
        (f"ИНН/КПП {VALID_10}/770701001", [VALID_10], []),
        (f"тел. {VALID_10}", [], []),  # a valid checksum after a phone label is still a phone
        (f"Реквизиты: {VALID_10}", [VALID_10], []),  # unlabelled but valid
        (f"{VALID_10}, ИНН {VALID_12}, ИНН {VALID_12}", [VALID_12, VALID_10], []),  # labelled first, unique
    ],
)
def test_find_inns(text: str, valid: list[str], invalid: list[str]) -> None:
    assert find_inns(text) == (valid, invalid)


# ---------------------------------------------------------------- company


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Добрый день! ООО «Ромашка», ИНН 7707083893.", "ООО «Ромашка»"),
        ('Общество с ограниченной ответственностью "Ромашка"', "ООО «Ромашка»"),
        ("от общества с ограниченной ответственностью «Лютик»", "ООО «Лютик»"),
        ("АО «Вектор»", "АО «Вектор»"),
        ('ЗАО "Гамма" просит', "ЗАО «Гамма»"),
        ("ПАО „Северсталь“", "ПАО «Северсталь»"),
        ("ОАО Северсталь, ИНН 3528000597", "ОАО «Северсталь»"),
        ("ФГУП «Почта России»", "ФГУП «Почта России»"),
        ('ГУП "Мосгортранс"', "ГУП «Мосгортранс»"),
        ("МУП Водоканал ИНН 7707083893", "МУП «Водоканал»"),
        ("АНО « Школа  будущего »", "АНО «Школа будущего»"),
        ('НКО "Фонд"', "НКО «Фонд»"),
        ("ООО «Компания «Ромашка»»", "ООО «Компания «Ромашка»»"),
        ("ИП Иванов И.И.", "ИП Иванов И.И."),
        ("ИП  Иванов  И. И. просит", "ИП Иванов И.И."),
        ("ИП Петрова А.С.", "ИП Петрова А.С."),
        ("ИП Иванов Иван Иванович", "ИП Иванов Иван Иванович"),
        ("Индивидуальный предприниматель Сидоров П.П.", "ИП Сидоров П.П."),
        ("Acme Trading LLC", "LLC «Acme Trading»"),
        ("LLC Romashka", "LLC «Romashka»"),
        ("Globex Ltd.", "Ltd «Globex»"),
        ('ООО "Ромашка" и АО "Вектор"', "ООО «Ромашка»"),  # the first one mentioned
        ("Нужно подготовить акт сверки до пятницы.", None),
        # the other side of the client's business is not the client (the demo's request took the supplier)
        ("Ирина из Ромашки. Забыла написать: акт сверки нужен с ООО «Поставщик-М».", None),
        ("Сверка с поставщиком ООО «Лютик». ООО «Ромашка», ИНН 7707083893.", "ООО «Ромашка»"),
        ("Reconciliation with Globex Ltd, please. Acme Trading LLC", "LLC «Acme Trading»"),
        ("Претензия против АО «Вектор»", None),
        ("Счёт для АО «Вектор»", "АО «Вектор»"),
        ("С уважением,\nООО «Ромашка»", "ООО «Ромашка»"),  # a sign-off's "С" ends its line
        ("АОЭ выпАО ЗАОчно", None),  # forms inside words
        ("Общество с ограниченной ответственностью просит", None),  # a form with no name
    ],
)
def test_find_company(text: str, expected: str | None) -> None:
    assert find_company(text) == expected


def test_counterparties() -> None:
    text = "ООО «Ромашка»: сверка с ООО «Лютик» и с подрядчиком ИП Петров П.П.; ещё раз с ООО «Лютик»."
    assert counterparties(text) == ["ООО «Лютик»", "ИП Петров П.П."]
    # named as the writer's own as well: not a counterparty
    assert counterparties("ООО «Ромашка». Договор с ООО «Ромашка» продлеваем.") == []
    assert counterparties("Нужно подготовить акт сверки до пятницы.") == []


# ---------------------------------------------------------------- what to do


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Добрый день! Это ООО «Ромашка», ИНН 7707083893. Нужно подготовить акт сверки до пятницы.",
            "Нужно подготовить акт сверки до пятницы.",
        ),
        (
            "Третий раз пишу! Где наши документы за октябрь? ООО «СтройМаркет», ИНН 7702070139.",
            "Третий раз пишу! Где наши документы за октябрь?",
        ),
        ("Добрый вечер. Я ИП Смирнов А.В., ИНН 500100732259. Когда декларация?", "Когда декларация?"),
        ("Подскажите про НДС? Наш ИНН 7728168972, ООО «Альфа-Логистик».", "Подскажите про НДС?"),
        ("Анна, здравствуйте!\nКогда будет акт?", "Когда будет акт?"),
        ("Доброго дня! Потрібен рахунок.", "Потрібен рахунок."),
        ("Hi team!\nWe are Acme Trading LLC. Please send the invoice.", "Please send the invoice."),
        (  # an email: its subject line, the requisites inside a sentence kept, the signature gone
            "Претензия по договору № 15\nДобрый день!\nООО «СтройМонтаж»: сроки сорваны.\nС уважением,\nПётр",
            "Претензия по договору № 15. ООО «СтройМонтаж»: сроки сорваны.",
        ),
        (  # a subject line ends at its line (the inbox read "…за 3 квартал Нужен акт сверки…")
            "Акт сверки за 3 квартал\n\nДобрый день!\n\nЭто ООО «Ромашка», ИНН 7707083893. Нужен акт сверки.",
            "Акт сверки за 3 квартал. Нужен акт сверки.",
        ),
        ("Нужно:\n- акт сверки\n- счёт", "Нужно: - акт сверки. - счёт"),  # a list's items
        # a person and the company they write from (the demo's «what» began with it)
        (
            "Ирина из Ромашки. Забыла написать: акт сверки нужен с ООО «Поставщик-М».",
            "Забыла написать: акт сверки нужен с ООО «Поставщик-М».",
        ),
        ("Это Пётр Волков из ООО «Вектор». Пришлите договор.", "Пришлите договор."),
        (
            "Anna from Acme here? No. Anna from Acme. Please send the invoice.",
            "Anna from Acme here? No. Please send the invoice.",
        ),
        # not an introduction: anything else in the sentence, or lower-case words
        ("Документы из Ромашки пришли? Акт нужен.", "Документы из Ромашки пришли? Акт нужен."),
        ("Ирина из бухгалтерии просила акт. Срочно.", "Ирина из бухгалтерии просила акт. Срочно."),
        ("Привет из Москвы. Нужен счёт.", "Нужен счёт."),  # read as who writes: a greeting anyway
        ("Нужен счёт для АО «Вектор», ИНН 7736207543.", "Нужен счёт для АО «Вектор», ИНН 7736207543."),
        ("Нужен счёт.\nThanks,\nAnna\n+7 916 123-45-67", "Нужен счёт."),  # a sign-off, a signature
        # thanks first, or before another ask, is no sign-off
        ("Спасибо! Нужен ещё счёт.", "Спасибо! Нужен ещё счёт."),
        ("Нужен счёт. Спасибо! Ещё нужен акт.", "Нужен счёт. Спасибо! Ещё нужен акт."),
        ("Здравствуйте, нужен счёт.", "Здравствуйте, нужен счёт."),  # one sentence with the ask in it
        ("Добрый день!", "Добрый день!"),  # nothing but a greeting: as written
        ("ООО «Ромашка», ИНН 7707083893", "ООО «Ромашка», ИНН 7707083893"),
    ],
)
def test_essence(text: str, expected: str) -> None:
    assert essence(text) == expected


# ---------------------------------------------------------------- whole messages


def test_extract_form_basic_message() -> None:
    text = "Добрый день! ООО «Ромашка», ИНН 7707083893. Нужно подготовить акт сверки до пятницы."
    assert extract_form(text, now=NOW, tz=MSK) == FormFacts(
        inn="7707083893",
        company="ООО «Ромашка»",
        due_at=msk(11, 27).astimezone(UTC),
        due_phrase="до пятницы",
    )


def test_extract_form_individual_with_phone_and_document_date() -> None:
    text = (
        f"Здравствуйте. Это ИП Петрова А.С. (ИНН {VALID_12}), тел. 79161234567. "
        "Пришлите, пожалуйста, повторно счёт №15 от 1 ноября и закрывающие документы завтра к обеду."
    )
    facts = extract_form(text, now=NOW, tz=MSK)
    assert facts.inn == VALID_12
    assert facts.company == "ИП Петрова А.С."
    assert facts.due_at == msk(11, 25, 13).astimezone(UTC)
    assert facts.due_phrase == "завтра к обеду"
    assert facts.invalid_inns == ()


def test_extract_form_english_with_bad_inn() -> None:
    text = f"Hi, Acme Trading LLC here, INN {BAD_10}. Please send the reconciliation report by December 15."
    facts = extract_form(text, now=NOW, tz=MSK)
    assert facts == FormFacts(
        inn=None,
        company="LLC «Acme Trading»",
        due_at=msk(12, 15).astimezone(UTC),
        due_phrase="by December 15",
        invalid_inns=(BAD_10,),
    )


def test_extract_form_long_form_and_business_days() -> None:
    text = (
        f'Общество с ограниченной ответственностью "Вектор", ИНН/КПП {VALID_10}/770701001.\n'
        "Договор от 12.10.2026. Акт сверки нужен в течение трёх рабочих дней."
    )
    facts = extract_form(text, now=NOW, tz=MSK)
    assert (facts.inn, facts.company) == (VALID_10, "ООО «Вектор»")
    assert facts.due_at == msk(11, 27).astimezone(UTC)
    assert facts.due_phrase == "в течение трёх рабочих дней"


def test_extract_form_nothing_found() -> None:
    assert extract_form("Спасибо, всё получили!", now=NOW, tz=MSK) == FormFacts(None, None, None, None)
