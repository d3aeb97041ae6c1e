"""Saved replies from a spreadsheet — the forty answers a manager kept in Excel, the fifty a company kept in
Bitrix24 — read the same way by `okno replies import` and by /ui/replies' «Загрузить из таблицы». Columns
`code`/`код` and `text`/`текст`/`ответ`, comma or semicolon, UTF-8 or Windows-1251. Reading saves nothing:
every line is checked first, and a caller saves only a file without problems."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repos.saved_replies import my_reply, save_my_reply, save_saved_reply, saved_reply
from workers.saved_replies import SavedReplyError, check_text, normalize_code

CODE_TITLES = ("code", "код", "команда", "shortcut")
TEXT_TITLES = ("text", "текст", "ответ", "content", "message")
# English, for the command line; the web's are web/texts.py's `replies.<reason>`
PROBLEMS = {
    "not_csv": "not a CSV file (an Excel workbook? save it as CSV)",
    "no_columns": f"the header needs a code column ({', '.join(CODE_TITLES)}) and a text column "
    f"({', '.join(TEXT_TITLES)})",
    "twice": "{value} is in the file twice",
    "bad_code": "code {value!r}: one word of letters, digits, «-» and «_», up to 32 characters",
    "empty": "no text{value}",
    "too_long": "the text is longer than {value} characters",
    "unknown_placeholder": "no placeholder {value} (there are {{имя}}, {{номер}}, {{компания}}, "
    "{{менеджер}})",
}


@dataclass(frozen=True)
class Problem:
    """Why a line of the file cannot be a saved reply: `reason` names the text, `value` goes into it."""

    line: int  # 0: the whole file's
    reason: str
    value: str = ""

    def __str__(self) -> str:
        said = PROBLEMS[self.reason].format(value=self.value)
        return f"line {self.line}: {said}" if self.line else said


def decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), else Windows-1251, as Russian Excel saves CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def read_file(data: bytes) -> tuple[dict[str, str], list[Problem]]:
    """The file's bytes as code -> text, and its problems; a workbook (.xlsx, .xls) is said to be one."""
    if b"\x00" in data:  # no CSV holds a NUL byte; every Excel or Word file does
        return {}, [Problem(0, "not_csv")]
    return read_replies(decode(data))


def read_replies(text: str) -> tuple[dict[str, str], list[Problem]]:
    """code -> text from the file, and a problem per line that cannot be one."""
    header_line = text.split("\n", 1)[0]  # the answers themselves are full of commas: the header tells
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in header_line else ",")
    header = [title.strip().casefold() for title in next(reader, [])]
    code_at = next((i for i, title in enumerate(header) if title in CODE_TITLES), None)
    text_at = next((i for i, title in enumerate(header) if title in TEXT_TITLES), None)
    if code_at is None or text_at is None:
        return {}, [Problem(1, "no_columns")]
    found: dict[str, str] = {}
    problems: list[Problem] = []
    # the row as Excel numbers it (a record, however many lines its quoted answer spans), the header row 1
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        try:
            code = normalize_code(cells[code_at] if code_at < len(cells) else "")
            body = check_text(cells[text_at] if text_at < len(cells) else "")
        except SavedReplyError as exc:
            problems.append(Problem(line, exc.reason, exc.value))
            continue
        if code in found:
            problems.append(Problem(line, "twice", f"/{code}"))
        found[code] = body
    return found, problems


async def save_company_replies(
    session: AsyncSession, found: dict[str, str], *, staff_id: int | None
) -> tuple[int, int]:
    """The company's replies added or rewritten by code, each audited as a single save is; (added, rewritten).
    `staff_id` is who loaded them (None: okno's command line)."""
    added = 0
    for code, body in found.items():
        added += await saved_reply(session, code=code) is None
        await save_saved_reply(session, code=code, text=body, staff_id=staff_id)
    return added, len(found) - added


async def save_own_replies(session: AsyncSession, found: dict[str, str], *, staff_id: int) -> tuple[int, int]:
    """A member's own replies added or rewritten by code, each audited as a single save is;
    (added, rewritten)."""
    added = 0
    for code, body in found.items():
        added += await my_reply(session, staff_id=staff_id, code=code) is None
        await save_my_reply(session, staff_id=staff_id, code=code, text=body)
    return added, len(found) - added
