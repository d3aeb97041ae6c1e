"""`okno backup`, `okno restore` and `okno privacy export|forget CONTACT` (152-FZ: a person's data on request,
and its removal). CONTACT: a contact id, +phone, email, or a channel identity such as telegram:5011."""

from __future__ import annotations

import asyncio
import json
import logging
import zipfile
from pathlib import Path

import click

from okno.backup import BackupError, backup
from okno.restore import restore
from okno.settings import Settings, SettingsError, load_settings
from storage.blobs import FileBlobStore
from storage.db import Database
from storage.repos.forget import Forgotten, forget_person
from storage.repos.privacy import PersonNotFound, export_person, find_person

log = logging.getLogger(__name__)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path: Path) -> None:
    """Back up the database, blobs, vector index and key file into the new directory PATH."""
    try:
        manifest = asyncio.run(backup(_settings(), path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    database = manifest["database"]
    click.echo(
        f"backup in {path}: {database['kind']} ({database['method']}), {len(manifest['files'])} files, "
        f"schema {manifest['alembic_revision']}"
    )


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False))
def restore_command(path: Path) -> None:
    """Restore the backup in PATH into this (empty) install, after checking every sha256."""
    try:
        manifest = asyncio.run(restore(_settings(), path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {path} (made {manifest['created_at']}, schema {manifest['alembic_revision']})")


@click.group()
def privacy() -> None:
    """A person's data: export everything held about them, or forget them (152-FZ)."""


async def _export(settings: Settings, who: str, out: Path) -> tuple[int, int]:
    db = Database(settings.effective_database_url)
    try:
        async with db.session() as session:
            person = await find_person(session, who=who, region=settings.company.default_region)
            data = await export_person(session, person)
    finally:
        await db.dispose()
    blobs = FileBlobStore(settings.data_dir / "blobs")
    document = json.dumps(data, ensure_ascii=False, indent=2)
    if out.suffix != ".zip":
        await asyncio.to_thread(out.write_text, document, encoding="utf-8")
        return person.contact_id, 0
    files = {key: await blobs.get(key) for key in data["blobs"] if await blobs.exists(key)}
    await asyncio.to_thread(_write_zip, out, document, files)
    return person.contact_id, len(files)


def _write_zip(out: Path, document: str, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("person.json", document)
        for key, data in files.items():
            archive.writestr(f"blobs/{key}", data)


@privacy.command("export")
@click.argument("contact")
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="FILE.zip (with files) or FILE.json"
)
def export_command(contact: str, out: Path | None) -> None:
    """Write everything held about CONTACT to one file."""
    settings = _settings()
    target = out or Path(f"person-{contact.replace('/', '_').replace(':', '_')}.zip")
    try:
        contact_id, files = asyncio.run(_export(settings, contact, target))
    except PersonNotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"contact {contact_id}: exported to {target} ({files} files)")


async def _forget(settings: Settings, who: str, staff_id: int | None) -> Forgotten:
    db = Database(settings.effective_database_url)
    try:
        async with db.session() as session:
            person = await find_person(session, who=who, region=settings.company.default_region)
            forgotten = await forget_person(session, person, staff_id=staff_id)
            await session.commit()
    finally:
        await db.dispose()
    blobs = FileBlobStore(settings.data_dir / "blobs")
    for key in forgotten.blobs:
        await blobs.delete(key)
    await asyncio.to_thread(_forget_vectors, settings, forgotten.vector_ids)
    return forgotten


def _forget_vectors(settings: Settings, ids: list[str]) -> None:
    """The retrieval index holds the person's words too; it exists only where the assistant indexed."""
    chroma = settings.llm.chroma_path or settings.data_dir / "chroma"
    if not ids or (settings.llm.chroma_url is None and not chroma.is_dir()):
        return
    from storage.vectors import delete_everywhere

    delete_everywhere(ids, path=chroma, url=settings.llm.chroma_url)


@privacy.command("forget")
@click.argument("contact")
@click.option("--staff-id", type=int, default=None, help="the staff member who asked (for the audit log)")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def forget_command(contact: str, staff_id: int | None, yes: bool) -> None:
    """Remove or anonymise everything about CONTACT (messages, recordings, transcripts, identities, raw
    payloads, vectors); request rows stay, anonymised, for statistics. Cannot be undone."""
    if not yes:
        click.confirm(f"Forget {contact} for good?", abort=True)
    try:
        forgotten = asyncio.run(_forget(_settings(), contact, staff_id))
    except PersonNotFound as exc:
        raise click.ClickException(str(exc)) from None
    counts = ", ".join(f"{k} {v}" for k, v in forgotten.counts.items() if v)
    click.echo(f"forgot contacts {forgotten.contact_ids}: {counts}; {len(forgotten.blobs)} files deleted")
