"""`okno replies import FILE` and `okno replies list`: a company's saved replies («быстрые ответы») from a
spreadsheet — the fifty answers it kept in Bitrix24 or in a Word file — rather than typed one by one on
/ui/replies; with `--for EMAIL`, one member's own («Мои быстрые ответы»). The file is read by
workers/replies_file.py, as the web's upload is: columns `code`/`код` and `text`/`текст`/`ответ`, comma or
semicolon, UTF-8 or Windows-1251; nothing is saved while any line is wrong, and a code already there is
rewritten."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from okno.admin_cli import active_member, with_db
from storage.crypto import SecretBox
from storage.db import Database
from storage.models import PersonalReply, SavedReply
from storage.repos.saved_replies import my_replies, saved_replies
from workers.replies_file import read_file, save_company_replies, save_own_replies

FOR_MEMBER = click.option(
    "--for",
    "member",
    default=None,
    metavar="EMAIL",
    help="a member's own replies («Мои быстрые ответы»), by their email, instead of the company's",
)


@click.group()
def replies() -> None:
    """Saved replies («быстрые ответы»), sent by «/код» from the web, the staff bot and the API."""


@replies.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check the file and say what would change; save nothing")
@FOR_MEMBER
def import_command(path: Path, dry_run: bool, member: str | None) -> None:
    """Add or rewrite saved replies from a CSV file (code, text); nothing is saved while any line is wrong."""
    found, problems = read_file(path.read_bytes())
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"nothing saved ({len(problems)} problem(s))")

    async def work(db: Database, _box: SecretBox) -> tuple[int, int]:
        async with db.session() as session:
            if member is None:
                counts = await save_company_replies(session, found, staff_id=None)
            else:
                owner = await active_member(session, member)
                counts = await save_own_replies(session, found, staff_id=owner.id or 0)
            if dry_run:
                await session.rollback()
            else:
                await session.commit()
        return counts

    added, updated = with_db(work)
    click.echo(f"{'dry run, nothing saved: ' if dry_run else ''}{added} added, {updated} rewritten")


@replies.command("list")
@FOR_MEMBER
def list_command(member: str | None) -> None:
    """Every saved reply (the company's, or the member's own): its code and the start of its text."""

    async def work(db: Database, _box: SecretBox) -> list[tuple[str, str]]:
        async with db.session() as session:
            rows: Sequence[SavedReply | PersonalReply]
            if member is None:
                rows = await saved_replies(session)
            else:
                owner = await active_member(session, member)
                rows = await my_replies(session, staff_id=owner.id or 0)
            return [(r.code, " ".join(r.text.split())) for r in rows]

    for code, body in with_db(work):
        click.echo(f"/{code}\t{body[:100]}")
