"""`okno replies import FILE` and `okno replies list`: a company's saved replies («быстрые ответы») from a
spreadsheet — the fifty answers it kept in Bitrix24 or in a Word file — rather than typed one by one on
/ui/replies. The file is read by workers/replies_file.py, as the web's upload is: columns `code`/`код` and
`text`/`текст`/`ответ`, comma or semicolon, UTF-8 or Windows-1251; nothing is saved while any line is wrong,
and a code already there is rewritten."""

from __future__ import annotations

from pathlib import Path

import click

from okno.admin_cli import with_db
from storage.crypto import SecretBox
from storage.db import Database
from storage.repos.saved_replies import saved_replies
from workers.replies_file import read_file, save_company_replies


@click.group()
def replies() -> None:
    """Saved replies («быстрые ответы»), sent by «/код» from the web, the staff bot and the API."""


@replies.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check the file and say what would change; save nothing")
def import_command(path: Path, dry_run: bool) -> None:
    """Add or rewrite saved replies from a CSV file (code, text); nothing is saved while any line is wrong."""
    found, problems = read_file(path.read_bytes())
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"nothing saved ({len(problems)} problem(s))")

    async def work(db: Database, _box: SecretBox) -> tuple[int, int]:
        async with db.session() as session:
            counts = await save_company_replies(session, found, staff_id=None)
            if dry_run:
                await session.rollback()
            else:
                await session.commit()
        return counts

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
