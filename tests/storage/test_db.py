"""The engine set-up: a lone statement commits by itself and leaves no transaction open on its connection."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from storage.db import Database
from storage.repos.raw_events import RAW_EVENT, add_raw_event, get_raw_event

pytestmark = pytest.mark.storage


async def test_raw_event_insert_commits_without_a_begin(db: Database) -> None:
    sent: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement.split()[0].upper())

    async with db.lone_statement() as conn:
        raw_id = await add_raw_event(
            conn, channel="api", account="main", headers={"X-A": "1"}, body=b"{}", status="pending"
        )
    if db.is_sqlite:
        assert sent == ["INSERT"]  # no BEGIN IMMEDIATE round trip on the ack path
    other = Database(db.url)  # another connection sees it: it was committed, not left in a transaction
    try:
        async with other.session() as session:
            stored = await get_raw_event(session, raw_event_id=raw_id)
            assert stored is not None and stored.body == b"{}" and stored.headers == {"X-A": "1"}
    finally:
        await other.dispose()


async def test_lone_statement_leaves_pooled_connections_in_transactions_again(db: Database) -> None:
    """The next user of the same pooled connection gets a transaction again: BEGIN IMMEDIATE on SQLite (a
    read-then-write transaction there must hold the write lock from its start), a rollback that undoes."""
    async with db.lone_statement() as conn:
        await add_raw_event(conn, channel="api", account="main", headers={}, body=b"1")
    sent: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement.strip().upper())

    async with db.session() as session:
        count = (await session.execute(select(func.count()).select_from(RAW_EVENT))).scalar_one()
        await session.execute(text("SELECT 1"))
        await session.rollback()
    assert count == 1
    if db.is_sqlite:
        assert sent[0] == "BEGIN IMMEDIATE"
    # and a rollback there still undoes (no autocommit left behind on the pooled connection)
    for _ in range(3):  # whichever pooled connection comes next
        async with db.engine.connect() as conn:
            await add_raw_event(conn, channel="api", account="main", headers={}, body=b"undone")
            await conn.rollback()
    async with db.session() as session:
        assert (await session.execute(select(func.count()).select_from(RAW_EVENT))).scalar_one() == 1


async def test_a_failed_lone_statement_stores_nothing(db: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)not null|null value"):
        async with db.lone_statement() as conn:
            await conn.execute(
                RAW_EVENT.insert().values(channel="api", account="main", headers={}, body=None)
            )
    async with db.session() as session:
        assert (await session.execute(select(func.count()).select_from(RAW_EVENT))).scalar_one() == 0
