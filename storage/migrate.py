"""Run Alembic migrations from code (okno migrate, the demo, the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from storage.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


async def upgrade(db: Database, revision: str = "heads") -> None:
    def _upgrade(connection: Connection) -> None:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def current_revision(db: Database) -> str | None:
    """The revision the database is at ("a+b" while parallel branches are not yet merged)."""
    from alembic.runtime.migration import MigrationContext

    def _current(connection: Connection) -> str | None:
        heads = MigrationContext.configure(connection).get_current_heads()
        return "+".join(sorted(heads)) or None

    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)
