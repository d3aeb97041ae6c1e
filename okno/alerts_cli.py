"""`okno alerts feedback`: the staff's verdicts on conflict alerts as a labelled file for `okno eval`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
from sqlalchemy.exc import DBAPIError

from okno.settings import SettingsError, load_settings
from storage.db import Database
from workers.alert_feedback import Feedback, feedback_cases


@click.group()
def alerts() -> None:
    """Alerts: what the staff said about them."""


async def _collect(url: str) -> Feedback:
    db = Database(url)
    try:
        async with db.session() as session:
            return await feedback_cases(session)
    finally:
        await db.dispose()


OUT = Path("okno-feedback.jsonl")


@alerts.command("feedback")
@click.option("--out", type=click.Path(path_type=Path), default=OUT, show_default=True)
def feedback_command(out: Path) -> None:
    """Write every conflict alert a staff member judged ("Не конфликт", or confirmed with its kind) as one
    JSON line of a conflicts set: measure the assistant on it with `okno eval conflicts --file OUT`. The file
    holds client messages: keep it inside the company."""
    try:
        url = load_settings().effective_database_url
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        found = asyncio.run(_collect(url))
    except DBAPIError as exc:  # no database file, no schema, no server
        raise click.ClickException(
            f"cannot read the alerts: {exc.orig}. "
            "Is OKNO_DATABASE_URL right and the schema there (okno migrate)?"
        ) from None
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in found.cases), encoding="utf-8")
    tally = found.tally
    click.echo(
        f"{out}: {len(found.cases)} judged alerts: {tally.confirmed} conflicts confirmed "
        f"({tally.corrected} with the kind corrected), {tally.missed} missed by the assistant and marked by "
        f"staff, {len(found.cases) - tally.confirmed - tally.missed} not conflicts"
        + (f"; {len(found.skipped)} skipped, their message is gone" if found.skipped else "")
    )
    if found.cases:
        click.echo(f"measure: okno eval conflicts --file {out}")
