"""`okno calls import PATH`: recordings exported from any PBX into okno; and the telephony loops that
`okno listen` runs (Asterisk AMI per account, the watched recordings folder, the transcription sweep)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

from okno.settings import Settings, SettingsError, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


async def import_recordings(
    settings: Settings, path: Path, *, account: str, pattern: str | None
) -> list[dict[str, Any]]:
    from channels.telephony.folder import NoMetadata, import_file, recordings_in
    from okno.services import build_services

    services = await build_services(settings)
    results: list[dict[str, Any]] = []
    try:
        for file in recordings_in(path):
            try:
                raw_id = await import_file(
                    file,
                    sink=services.sink,
                    blobs=services.jobs.blobs,
                    account=account,
                    pattern=pattern or settings.telephony.filename_pattern,
                    tz=settings.company.tz,
                )
                results.append({"file": str(file), "raw_event_id": raw_id})
            except NoMetadata as exc:
                results.append({"file": str(file), "skipped": str(exc)})
        if services.inline is not None:
            await services.inline.drain(timeout=3600)  # embedded queue: ingest and transcribe before exiting
    finally:
        await services.close()
    return results


@click.group()
def calls() -> None:
    """Phone calls: import recordings."""


@calls.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--account", default="folder", show_default=True, help="the telephony account to file calls under"
)
@click.option(
    "--pattern", default=None, help="file-name regex (named groups date, time, from_number, to_number)"
)
def import_command(path: Path, account: str, pattern: str | None) -> None:
    """Import a recording or a folder of them (metadata from NAME.json beside it, or from the file name)."""
    results = asyncio.run(import_recordings(_settings(), path, account=account, pattern=pattern))
    for line in results:
        click.echo(json.dumps(line, ensure_ascii=False))
    if not results:
        raise click.ClickException(f"no recordings in {path}")


async def telephony_loops(services: Any, settings: Settings) -> list[Any]:
    """AMI sessions for the asterisk accounts, the watched folder when configured, the transcription sweep."""
    from channels.base import AccountView
    from channels.telephony.ami_loop import AmiLoop
    from channels.telephony.folder import FolderWatchLoop
    from storage.repos.accounts import list_channel_accounts
    from workers.transcribe import transcription_sweep

    async with services.db.session() as session:
        rows = await list_channel_accounts(session, active_only=True)
    telephony = settings.telephony
    folder = str(telephony.recordings_folder) if telephony.recordings_folder else None
    loops: list[Any] = [
        AmiLoop(
            AccountView(row.channel, row.name, dict(row.config), services.box.open(row.secrets_encrypted)),
            recordings_dir=folder,
        )
        for row in rows
        if row.channel == "telephony" and row.config.get("provider") == "asterisk"
    ]
    if telephony.recordings_folder is not None:
        loops.append(
            FolderWatchLoop(
                telephony.recordings_folder,
                blobs=services.jobs.blobs,
                account="folder",
                pattern=telephony.filename_pattern,
                tz=settings.company.tz,
            )
        )
    loops.append(transcription_sweep(services.jobs))
    return loops
