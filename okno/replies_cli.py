"""`okno replies import FILE` and `okno replies list`: a company's saved replies («быстрые ответы») from a
spreadsheet — the fifty answers it kept in Bitrix24 or in a Word file — rather than typed one by one on
/ui/replies. Columns `code`/`код` and `text`/`текст`/`ответ`, comma or semicolon, UTF-8 or Windows-1251;
nothing is saved while any line is wrong, and a code already there is rewritten."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from okno.admin_cli import with_db
from okno.staff_import import decode
from storage.crypto import SecretBox
from storage.db import Database
from storage.repos.saved_replies import save_saved_reply, saved_replies, saved_reply
from workers.saved_replies import SavedReplyError, check_text, normalize_code

CODE_TITLES = ("code", "код", "команда", "shortcut")
TEXT_TITLES = ("text", "текст", "ответ", "content", "message")
PROBLEMS = {
    "bad_code": "code {value!r}: one word of letters, digits, «-» and «_», up to 32 characters",
    "empty": "no text{value}",
    "too_long": "the text is longer than {value} characters",
    "unknown_placeholder": "no placeholder {value} (there are {{имя}}, {{номер}}, {{компания}}, "
    "{{менеджер}})",
}


@click.group()
def replies() -> None:
    """Saved replies («быстрые ответы»), sent by «/код» from the web, the staff bot and the API."""


def read_replies(text: str) -> tuple[dict[str, str], list[str]]:
    """code -> text from the file, and a problem per line that cannot be one."""
    header_line = text.split("\n", 1)[0]  # the answers themselves are full of commas: the header tells
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in header_line else ",")
    header = [title.strip().casefold() for title in next(reader, [])]
    code_at = next((i for i, title in enumerate(header) if title in CODE_TITLES), None)
    text_at = next((i for i, title in enumerate(header) if title in TEXT_TITLES), None)
    if code_at is None or text_at is None:
        return {}, [f"line 1: the header needs a code column ({', '.join(CODE_TITLES)}) and a text column "
                    f"({', '.join(TEXT_TITLES)})"]  # fmt: skip
    found: dict[str, str] = {}
    problems: list[str] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        try:
            code = normalize_code(cells[code_at] if code_at < len(cells) else "")
            body = check_text(cells[text_at] if text_at < len(cells) else "")
        except SavedReplyError as exc:
            problems.append(f"line {line}: {PROBLEMS[exc.reason].format(value=exc.value)}")
            continue
        if code in found:
            problems.append(f"line {line}: /{code} is in the file twice")
        found[code] = body
    return found, problems


@replies.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check the file and say what would change; save nothing")
def import_command(path: Path, dry_run: bool) -> None:
    """Add or rewrite saved replies from a CSV file (code, text); nothing is saved while any line is wrong."""
    found, problems = read_replies(decode(path.read_bytes()))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"nothing saved ({len(problems)} problem(s))")

    async def work(db: Database, _box: SecretBox) -> tuple[int, int]:
        added = updated = 0
        async with db.session() as session:
            for code, body in found.items():
                if await saved_reply(session, code=code) is None:
                    added += 1
                else:
                    updated += 1
                await save_saved_reply(session, code=code, text=body, staff_id=None)
            if dry_run:
                await session.rollback()
            else:
                await session.commit()
        return added, updated

    added, updated = with_db(work)
    click.echo(f"{'dry run, nothing saved: ' if dry_run else ''}{added} added, {updated} rewritten")


@replies.command("list")
def list_command() -> None:
    """Every saved reply: its code and the start of its text."""

    async def work(db: Database, _box: SecretBox) -> list[tuple[str, str]]:
        async with db.session() as session:
            return [(r.code, " ".join(r.text.split())) for r in await saved_replies(session)]

    for code, body in with_db(work):
        click.echo(f"/{code}\t{body[:100]}")
