"""`okno backup PATH` / `okno restore PATH`: the database, the blobs, the vector index and the key file,
with a manifest of sha256 sums and versions; a restore goes into an empty install only and checks every sum
first.

Database: SQLite through its online backup API (consistent while okno runs); PostgreSQL through pg_dump -Fc /
pg_restore (from /usr/lib/postgresql/*/bin, else PATH). The backup holds the Fernet key file when the install
uses one (OKNO_SECRET_KEY unset): keep backups as safe as the data itself."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from okno.settings import Settings
from storage.db import Database
from storage.migrate import current_revision

FORMAT = "okno-backup/1"
MANIFEST = "manifest.json"
KEY_FILE = "secret.key"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Layout:
    """Where an install keeps its files."""

    data_dir: Path
    blobs: Path
    chroma: Path | None  # None: a Chroma server (backed up by its own means)
    key_file: Path | None  # None: the key comes from OKNO_SECRET_KEY


def layout_of(settings: Settings) -> Layout:
    chroma = None if settings.llm.chroma_url else (settings.llm.chroma_path or settings.data_dir / "chroma")
    key = None if settings.secret_key is not None else settings.data_dir / KEY_FILE
    return Layout(settings.data_dir, settings.data_dir / "blobs", chroma, key)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".part-"))


def _pg_tool(name: str) -> str:
    """The newest PostgreSQL client tool installed (pg_dump must be at least the server's version)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    tool = str(found[-1]) if found else shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools (postgresql-client)")
    return tool


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment: the password goes in PGPASSWORD, never on a command line."""
    parsed = make_url(url)
    args = ["--host", parsed.host or "127.0.0.1", "--port", str(parsed.port or 5432)]
    args += ["--username", parsed.username or "postgres", "--dbname", parsed.database or ""]
    env = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    return args, env


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database:
        raise BackupError(f"not a SQLite file URL: {url}")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """sqlite3's online backup: a consistent copy even while okno writes (WAL)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


async def _dump_database(db: Database, target: Path) -> dict[str, Any]:
    if db.is_sqlite:
        file = target / "database.sqlite3"
        await asyncio.to_thread(_sqlite_copy, _sqlite_path(db.url), file)
        return {"kind": "sqlite", "method": "sqlite3 online backup API", "file": file.name}
    file = target / "database.pgdump"
    tool = _pg_tool("pg_dump")
    args, env = _pg_args(db.url)
    command = [tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(file), *args]
    await asyncio.to_thread(_run, command, env)
    tool_version = (await asyncio.to_thread(_run, [tool, "--version"], env)).strip()
    return {
        "kind": "postgresql",
        "method": "pg_dump --format=custom",
        "file": file.name,
        "tool": tool_version,
    }


def _copy_tree(source: Path, target: Path) -> list[dict[str, Any]]:
    entries = []
    for path in _files(source):
        relative = path.relative_to(source)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)
        entries.append(
            {
                "path": str(Path(target.name) / relative),
                "sha256": sha256_of(path),
                "size": path.stat().st_size,
            }
        )
    return entries


def _new_folder(target: Path) -> None:
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new directory")
    target.mkdir(parents=True, exist_ok=True)


async def backup(settings: Settings, target: Path) -> dict[str, Any]:
    """Write the backup into `target` (a new or empty directory); returns the manifest."""
    await asyncio.to_thread(_new_folder, target)
    place = layout_of(settings)
    db = Database(settings.effective_database_url)
    try:
        revision = await current_revision(db)
        database = await _dump_database(db, target)
    finally:
        await db.dispose()
    database["sha256"] = sha256_of(target / database["file"])
    files: list[dict[str, Any]] = []
    if place.blobs.is_dir():
        files += await asyncio.to_thread(_copy_tree, place.blobs, target / "blobs")
    if place.chroma is not None and place.chroma.is_dir():
        files += await asyncio.to_thread(_copy_tree, place.chroma, target / "chroma")
    if place.key_file is not None and place.key_file.is_file():
        shutil.copy2(place.key_file, target / KEY_FILE)
        files.append(
            {"path": KEY_FILE, "sha256": sha256_of(target / KEY_FILE), "size": place.key_file.stat().st_size}
        )
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "okno_version": version("okno"),
        "alembic_revision": revision,
        "database": database,
        "vector_index": "files" if place.chroma is not None else "chroma server: not in this backup",
        "secret_key": "key file included"
        if place.key_file is not None
        else "OKNO_SECRET_KEY (not in the backup)",
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest
