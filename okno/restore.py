"""`okno restore PATH`: a backup made by `okno backup` into an empty install. Every sha256 in the manifest is
checked before anything is written; the schema is then upgraded to this build's head (an older backup comes
up to date, a newer one is refused)."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from okno.backup import (
    FORMAT,
    KEY_FILE,
    MANIFEST,
    BackupError,
    _pg_args,
    _pg_tool,
    _run,
    _sqlite_copy,
    _sqlite_path,
    layout_of,
    sha256_of,
)
from okno.settings import Settings
from storage.db import Database
from storage.migrate import alembic_config, upgrade


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable {MANIFEST} in {source}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not an okno backup ({FORMAT}): format {manifest.get('format')!r}")
    return manifest


def verify(source: Path, manifest: dict[str, Any]) -> None:
    """Every file present with its recorded sha256, or BackupError naming the first that is not."""
    database = manifest["database"]
    wanted = [(database["file"], database["sha256"]), *((f["path"], f["sha256"]) for f in manifest["files"])]
    for name, digest in wanted:
        path = source / name
        if not path.is_file():
            raise BackupError(f"backup incomplete: {name} is missing")
        if sha256_of(path) != digest:
            raise BackupError(f"backup damaged: {name} does not match its sha256 in the manifest")


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


async def _tables(db: Database) -> list[str]:
    def names(connection: Connection) -> list[str]:
        return list(inspect(connection).get_table_names())

    async with db.engine.connect() as conn:
        return await conn.run_sync(names)


async def _load_database(db: Database, source: Path, database: dict[str, Any]) -> None:
    if database["kind"] != ("sqlite" if db.is_sqlite else "postgresql"):
        raise BackupError(
            f"this backup holds a {database['kind']} database; the install uses {db.url.split(':')[0]}"
        )
    file = source / database["file"]
    if db.is_sqlite:
        target = _sqlite_path(db.url)
        await db.dispose()  # the file is replaced underneath: no pooled connection may keep the old one
        for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            leftover.unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_sqlite_copy, file, target)
        return
    args, env = _pg_args(db.url)
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", *args, str(file)]
    await asyncio.to_thread(_run, command, env)


def _copy_files(source: Path, manifest: dict[str, Any], settings: Settings) -> int:
    place = layout_of(settings)
    copied = 0
    for entry in manifest["files"]:
        top, _, rest = entry["path"].partition("/")
        if top == "blobs":
            target = place.blobs / rest
        elif top == "chroma" and place.chroma is not None:
            target = place.chroma / rest
        elif top == KEY_FILE and place.key_file is not None:
            target = place.key_file
        else:
            continue  # a Chroma server or OKNO_SECRET_KEY on this side: those files are not ours to place
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / entry["path"], target)
        copied += 1
    return copied


def _check_empty(settings: Settings, tables: list[str]) -> None:
    if [t for t in tables if t != "alembic_version"]:
        raise BackupError("the target database is not empty: restore into a new install (empty database)")
    place = layout_of(settings)
    for folder in (place.blobs, place.chroma):
        if folder is not None and folder.is_dir() and any(folder.iterdir()):
            raise BackupError(f"{folder} is not empty: restore into a new install")
    if place.key_file is not None and place.key_file.exists():
        raise BackupError(
            f"{place.key_file} exists: a restore brings the backup's key; move this one away first"
        )


async def restore(settings: Settings, source: Path) -> dict[str, Any]:
    """Restore `source` into the (empty) install `settings` describes; returns the manifest."""
    manifest = read_manifest(source)
    revision = manifest.get("alembic_revision") or ""
    unknown = [r for r in revision.split("+") if r and r not in _known_revisions()]
    if unknown:
        raise BackupError(f"backup schema {revision} is newer than this okno: upgrade okno, then restore")
    await asyncio.to_thread(verify, source, manifest)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    try:
        _check_empty(settings, await _tables(db))
        await _load_database(db, source, manifest["database"])
        await asyncio.to_thread(_copy_files, source, manifest, settings)
        await db.dispose()  # fresh connections see the restored database
        db = Database(settings.effective_database_url)
        await upgrade(db)
    finally:
        await db.dispose()
    return manifest
