"""A throwaway PostgreSQL database for tests and benchmarks: created on entry, dropped (with its sessions)
on exit. Production code never calls it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg


@asynccontextmanager
async def scratch_postgres(admin_dsn: str, *, prefix: str = "okno_scratch") -> AsyncIterator[str]:
    """Yields the SQLAlchemy URL (asyncpg driver) of a new, empty database on the admin DSN's server."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
