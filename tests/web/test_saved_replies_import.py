"""«Загрузить из таблицы» on /ui/replies: a manager's forty phrases from Excel into «Мои быстрые ответы», a
supervisor's list into the company's — read as `okno replies import` reads a file, all or nothing, each
wrong line named by its number, a file too large refused with the reason."""

from __future__ import annotations

import html

import pytest
from sqlmodel import col, select

from storage.models import AuditLog, PersonalReply, SavedReply
from tests.web.conftest import Browserless, Seeded, SignIn

pytestmark = pytest.mark.storage

CSV = "text/csv"


async def _upload(member: Browserless, path: str, name: str, content: bytes) -> tuple[int, str, str]:
    """The status, where it sends the member, and the page they see next (or the answer's own page)."""
    resp = await member.post_files(path, {}, [(name, content, CSV)], field="file")
    where = resp.headers.get("Location", "")
    if resp.status == 303:
        _, page = await member.get(where.split("#", 1)[0])
        return resp.status, where, page
    return resp.status, where, await resp.text()


async def _own(seeded: Seeded, staff_id: int) -> dict[str, str]:
    async with seeded.live.services.db.session() as session:
        query = select(PersonalReply).where(col(PersonalReply.staff_id) == staff_id)
        return {row.code: row.text for row in (await session.execute(query)).scalars()}


async def _company(seeded: Seeded) -> dict[str, tuple[str, int | None]]:
    async with seeded.live.services.db.session() as session:
        rows = (await session.execute(select(SavedReply))).scalars()
        return {row.code: (row.text, row.author_id) for row in rows}


async def _audited(seeded: Seeded, entity: str) -> list[tuple[str, int | None]]:
    async with seeded.live.services.db.session() as session:
        query = select(AuditLog.action, AuditLog.actor_id).where(col(AuditLog.entity) == entity)
        rows = await session.execute(query.order_by(col(AuditLog.id)))
        return [(action, actor) for action, actor in rows]


async def test_a_manager_loads_their_own_replies_from_a_spreadsheet(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    _, page = await anna.get("/ui/replies")
    assert 'id="my-import-form"' in page and 'id="import-form"' not in page  # the company's is not hers
    utf8 = '\ufeffcode,text\nпривет,"{имя}, добрый день! {менеджер} на связи."\nспасибо,Спасибо!\n'
    status, where, page = await _upload(anna, "/ui/replies/mine/import", "мои.csv", utf8.encode())
    assert (status, where) == (303, "/ui/replies#mine") and "Добавлено 2, заменено 0." in page
    # Excel's own save: Windows-1251, semicolons; a code she has is rewritten
    excel = "Код;Текст\nСпасибо;Спасибо, {имя}! Обращайтесь.\nсчёт;Счёт во вложении, оплата за 5 дней.\n"
    status, _, page = await _upload(anna, "/ui/replies/mine/import", "мои.csv", excel.encode("cp1251"))
    assert status == 303 and "Добавлено 1, заменено 1." in page
    mine = page.split('id="my-replies"', 1)[1].split("</table>", 1)[0]
    assert "<code>/счёт</code>" in mine and "Спасибо, {имя}! Обращайтесь." in mine
    assert await _own(seeded, seeded.manager_id) == {
        "привет": "{имя}, добрый день! {менеджер} на связи.",
        "спасибо": "Спасибо, {имя}! Обращайтесь.",
        "счёт": "Счёт во вложении, оплата за 5 дней.",
    }
    assert await _company(seeded) == {}  # the company's list is not touched
    added, edited = ("personal_reply.add", seeded.manager_id), ("personal_reply.edit", seeded.manager_id)
    assert await _audited(seeded, "personal_reply") == [added, added, edited, added]
    anna.csrf = "forged"  # an upload is a form like any other on the page: the session's token or nothing
    status, _, _ = await _upload(anna, "/ui/replies/mine/import", "мои.csv", utf8.replace("!", "?").encode())
    assert status == 403 and (await _own(seeded, seeded.manager_id))["спасибо"].endswith("Обращайтесь.")
    boris = await sign_in("boris@example.ru")
    _, page = await boris.get("/ui/replies")
    assert "<code>/счёт</code>" not in page


async def test_a_supervisor_loads_the_companys_replies_a_manager_may_not(
    seeded: Seeded, sign_in: SignIn
) -> None:
    viktor = await sign_in("viktor@example.ru")
    _, page = await viktor.get("/ui/replies")
    assert 'id="import-form"' in page and 'id="my-import-form"' in page
    sheet = "Код;Текст\nреквизиты;ИНН 7707083893, р/с 40702810900000000001\nчасы;Работаем с 9 до 18, {имя}.\n"
    status, where, page = await _upload(viktor, "/ui/replies/import", "ответы.csv", sheet.encode("cp1251"))
    assert (status, where) == (303, "/ui/replies") and "Добавлено 2, заменено 0." in page
    assert "<code>/реквизиты</code>" in page.split('id="replies"', 1)[1]
    expected = {
        "реквизиты": ("ИНН 7707083893, р/с 40702810900000000001", seeded.supervisor_id),
        "часы": ("Работаем с 9 до 18, {имя}.", seeded.supervisor_id),
    }
    assert await _company(seeded) == expected and await _own(seeded, seeded.supervisor_id) == {}
    assert await _audited(seeded, "saved_reply") == [("saved_reply.add", seeded.supervisor_id)] * 2
    anna = await sign_in("anna@example.ru")
    await anna.get("/ui/replies")
    other = "code;text\nчасы;Мы работаем круглосуточно.\n".encode()
    status, _, _ = await _upload(anna, "/ui/replies/import", "ответы.csv", other)
    assert status == 403 and await _company(seeded) == expected


async def test_a_file_with_a_wrong_line_saves_nothing_and_names_the_line(
    seeded: Seeded, sign_in: SignIn
) -> None:
    anna = await sign_in("anna@example.ru")
    await anna.get("/ui/replies")
    await anna.post("/ui/replies/mine", {"code": "привет", "text": "Добрый день!"})
    rows = [
        "Код;Текст",
        "привет;Здравствуйте, {имя}!",
        "две строки;Не код",
        "ндс;Декларация по НДС — до 25 числа, {клиент}.",
        "Привет;Ещё раз",
        "пусто;",
    ]
    status, _, page = await _upload(anna, "/ui/replies/mine/import", "мои.csv", "\n".join(rows).encode())
    assert status == 422 and "Ничего не сохранено: ошибок в файле — 4." in page
    problems = page.split('id="import-problems"', 1)[1].split("</ul>", 1)[0]
    for said in (
        "Строка 3: Код — одно слово из букв, цифр, «-» и «_», не длиннее 32 знаков; «две строки» не "
        "подходит.",
        "Строка 4: Подстановки {клиент} нет.",
        "Строка 5: /привет встречается в файле дважды.",
        "Строка 6: Напишите текст ответа.",
    ):
        assert html.escape(said, quote=False) in problems
    assert 'id="my-import-form"' in page.split('id="import-problems"', 1)[1]  # by the form she used
    assert await _own(seeded, seeded.manager_id) == {"привет": "Добрый день!"}  # not even line 2
    english = "/ui/replies/mine/import?lang=en"
    status, _, page = await _upload(anna, english, "mine.csv", b"code,text\n-x,Hello\n")
    assert status == 422 and "Line 2: A code is one word of letters" in page
    # a workbook uploaded as it is, rather than saved as CSV
    workbook = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"
    status, _, page = await _upload(anna, english, "ответы.xlsx", workbook)
    assert status == 422 and "This is not a CSV file (an Excel workbook?)" in page
    assert await _own(seeded, seeded.manager_id) == {"привет": "Добрый день!"}


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 3 * 1024 * 1024], ids=["just-over", "far-over"])
async def test_a_file_too_large_is_refused_with_the_reason(
    seeded: Seeded, sign_in: SignIn, size: int
) -> None:
    """Just over 1 MB is read and refused by the page; far over, refused before it is all read (okno's body
    limit) — told the same way either time, nothing saved."""
    anna = await sign_in("anna@example.ru")
    await anna.get("/ui/replies")
    big = "code;text\n" + "".join(f"к{i};{'Текст ответа. ' * 20}\n" for i in range(size // 200))
    content = big.encode()[:size].ljust(size, b" ")
    status, where, page = await _upload(anna, "/ui/replies/mine/import", "большой.csv", content)
    assert (status, where) == (303, "/ui/replies#my-import-form")
    assert "Файл больше 1 МБ, ничего не сохранено." in page and await _own(seeded, seeded.manager_id) == {}
