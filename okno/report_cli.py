"""`okno report requests`: the requests of a period as a CSV for Excel (web/report.py), the file the
dashboard's «Выгрузить» gives, for a cron job or a month's end without the web."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy.exc import DBAPIError

from okno.admin_cli import head_by_key
from okno.settings import Settings, SettingsError, load_settings
from storage.db import Database
from storage.repos.org_chart import group_of
from storage.types import utcnow
from web.report import period, requests_csv


@click.group()
def report() -> None:
    """Reports for the director, as files."""


async def _write(
    settings: Settings, start: date, end: date, head: str | None, lang: str
) -> tuple[bytes, int]:
    db = Database(settings.effective_database_url)
    tz = settings.company.tz
    since, until = period(start, end, tz)
    try:
        async with db.session() as session:
            team = await group_of(session, (await head_by_key(session, head)).id or 0) if head else None
            return await requests_csv(
                session, since=since, until=until, team=team, tz=tz, lang=lang, now=utcnow()
            )
    finally:
        await db.dispose()


@report.command("requests")
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="first day (the company's)"
)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="last day, included")
@click.option("--team", default=None, help="only this head's group: their id or email")
@click.option("--lang", type=click.Choice(["ru", "en"]), default=None, help="the headers' language")
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="the file (default: named by the days)"
)
def requests_command(
    start: datetime | None, end: datetime | None, team: str | None, lang: str | None, out: Path | None
) -> None:
    """Every request opened from --from to --to (the last thirty days by default): whom it was from, what they
    asked, who had it, the first answer against the SLA, the deadline, when it was done and the client's
    rating; one row each, semicolon-separated UTF-8 that Excel opens as columns. It holds client data: keep
    it inside the company."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    today = utcnow().astimezone(settings.company.tz).date()
    last = end.date() if end else today
    first = start.date() if start else last - timedelta(days=29)
    if first > last:
        raise click.UsageError(f"--from {first} is after --to {last}")
    try:
        body, count = asyncio.run(_write(settings, first, last, team, lang or settings.company.language))
    except DBAPIError as exc:  # no database file, no schema, no server
        raise click.ClickException(
            f"cannot read the requests: {exc.orig}. "
            "Is OKNO_DATABASE_URL right and the schema there (okno migrate)?"
        ) from None
    target = out or Path(f"okno-requests-{first.isoformat()}-{last.isoformat()}.csv")
    target.write_bytes(body)
    click.echo(f"{target}: {count} requests opened {first:%d.%m.%Y}–{last:%d.%m.%Y}")
