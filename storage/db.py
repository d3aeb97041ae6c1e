"""The async engine and sessions, set up the same way for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

LONE_STATEMENT = "okno_lone_statement"


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            # Writers wait for the lock instead of failing at once.
            kwargs["connect_args"] = {"timeout": 60}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def lone_statement(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection for one write statement, committed by the database as it runs: no BEGIN and
        COMMIT round trips around it (on hot paths such as the webhook ack). Only for a single statement: two
        would not be one transaction."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:  # our BEGIN IMMEDIATE hook steps aside (SQLAlchemy's AUTOCOMMIT would not)
                await conn.execution_options(**{LONE_STATEMENT: True})
            else:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn
            await conn.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE so a read-then-write transaction never deadlocks."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(LONE_STATEMENT):
            return  # see Database.lone_statement(): SQLite makes the statement a transaction by itself
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_url(path: str) -> str:
    return f"sqlite+aiosqlite:///{path}"
