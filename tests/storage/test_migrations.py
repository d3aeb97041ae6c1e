"""Alembic is the only way the schema changes: head must equal the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage.db import Database
from storage.migrate import alembic_config, current_revision, upgrade
from storage.search_schema import is_search_object

pytestmark = pytest.mark.storage


async def test_database_is_at_head_and_matches_the_models(db: Database) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert await current_revision(db) == head

    def diff(connection: Connection) -> list[object]:
        # The full-text search objects (FTS5 tables, GIN expression indexes) are made by revision w10s with
        # raw DDL that SQLModel metadata cannot describe: skipped here by name, and only they.
        opts = {"compare_type": True, "include_name": lambda name, _kind, _parent: not is_search_object(name)}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, SQLModel.metadata))

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []  # a model change without a revision fails here


async def test_replies_sent_before_t3s1_get_their_outbox_rows_delivery(tmp_path: Path) -> None:
    """The inbox reads a reply's delivery from its message: a reply that failed before the upgrade is
    flagged too, one still pending stays unknown."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(db, "m1x2")
    rows = (
        "INSERT INTO contact (id, created_at) VALUES (1, CURRENT_TIMESTAMP)",
        "INSERT INTO conversation (id, channel, account, conversation_key, contact_id, created_at)"
        " VALUES (1, 'email', 'box', 'k1', 1, CURRENT_TIMESTAMP)",
    )
    async with db.engine.begin() as conn:
        for row in rows:
            await conn.execute(text(row))
        for n, status in enumerate(("failed", "sent", "pending"), 1):
            await conn.execute(
                text(
                    "INSERT INTO message (id, conversation_id, channel, account, message_key, direction,"
                    " kind, sent_at, edit_history, reactions, created_at) VALUES (:n, 1, 'email', 'box',"
                    " :key, 'outbound', 'text', CURRENT_TIMESTAMP, '[]', '[]', CURRENT_TIMESTAMP)"
                ),
                {"n": n, "key": f"okno-out:{n}"},
            )
            await conn.execute(
                text(
                    "INSERT INTO outbox (id, channel, account, conversation_key, message_id, payload,"
                    " status, attempts, repeated_sends, created_at) VALUES (:n, 'email', 'box', 'k1', :n,"
                    " '{}', :status, 1, 0, CURRENT_TIMESTAMP)"
                ),
                {"n": n, "status": status},
            )
    await upgrade(db)
    async with db.engine.connect() as conn:
        found = (await conn.execute(text("SELECT id, delivery_status FROM message ORDER BY id"))).all()
    await db.dispose()
    assert [tuple(row) for row in found] == [(1, "failed"), (2, "sent"), (3, None)]


async def test_heads_and_lines_arrive_on_a_database_with_staff_requests_and_accounts(tmp_path: Path) -> None:
    """h4d1 rebuilds staff, request and channel_account on SQLite (batch mode) with rows pointing at them:
    nothing is lost, and the new columns start empty."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(db, "t3s1")
    rows = (
        "INSERT INTO staff (id, name, role, active, on_duty, created_at) VALUES (1, 'Анна', 'manager', 1, 1,"
        " CURRENT_TIMESTAMP)",
        "INSERT INTO channel_account (id, channel, name, config, secrets_encrypted, active, created_at)"
        " VALUES (1, 'email', 'box', '{}', '', 1, CURRENT_TIMESTAMP)",
        "INSERT INTO contact (id, created_at) VALUES (1, CURRENT_TIMESTAMP)",
        "INSERT INTO request (id, contact_id, origin_channel, status, assignee_id, created_at,"
        " last_activity_at, field_sources, notes)"
        " VALUES (1, 1, 'email', 'new', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}', '[]')",
        "INSERT INTO task (id, title, assignee_id, status, watcher_ids, created_by_assistant, created_at)"
        " VALUES (1, 'Позвонить', 1, 'open', '[]', 0, CURRENT_TIMESTAMP)",
    )
    async with db.engine.begin() as conn:
        for row in rows:
            await conn.execute(text(row))
    await upgrade(db)
    async with db.engine.connect() as conn:
        staff = (await conn.execute(text("SELECT id, name, head_id FROM staff"))).all()
        request = (await conn.execute(text("SELECT id, assignee_id, group_head_id FROM request"))).all()
        account = (await conn.execute(text("SELECT id, group_head_id FROM channel_account"))).all()
        task = (await conn.execute(text("SELECT assignee_id FROM task"))).all()
    await db.dispose()
    assert [tuple(r) for r in staff] == [(1, "Анна", None)]
    assert [tuple(r) for r in request] == [(1, 1, None)] and [tuple(r) for r in account] == [(1, None)]
    assert [tuple(r) for r in task] == [(1,)]


async def test_v7b3_adds_repeat_to_broadcasts_with_recipients_and_takes_it_back(db_url: str) -> None:
    """broadcast gains repeat and previous_id in place (recipient rows already point at it), the existing one
    not repeating; downgraded, the broadcast and its recipient are still there. SQLite and PostgreSQL."""
    db = Database(db_url)
    await upgrade(db, "u6m2")
    rows = (
        "INSERT INTO contact (id, created_at) VALUES (1, CURRENT_TIMESTAMP)",
        "INSERT INTO broadcast (id, key, text, audience, created_at, attachments)"
        " VALUES (1, 'k1', 'Выписки до 5 числа', '{}', CURRENT_TIMESTAMP, '[]')",
        "INSERT INTO broadcast_recipient (broadcast_id, contact_id, channel) VALUES (1, 1, 'telegram')",
    )
    async with db.engine.begin() as conn:
        for row in rows:
            await conn.execute(text(row))
    await upgrade(db)
    async with db.engine.begin() as conn:
        found = (await conn.execute(text("SELECT id, repeat, previous_id FROM broadcast"))).all()
        await conn.execute(
            text(
                "INSERT INTO broadcast (id, key, text, audience, created_at, attachments, repeat,"
                " previous_id) VALUES (2, 'k2', 'Выписки', '{}', CURRENT_TIMESTAMP, '[]', 'monthly', 1)"
            )
        )

    def downgrade(connection: Connection) -> None:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "u6m2")

    async with db.engine.begin() as conn:
        await conn.run_sync(downgrade)
    async with db.engine.connect() as conn:
        kept = (await conn.execute(text("SELECT id, key FROM broadcast ORDER BY id"))).all()
        recipients = (await conn.execute(text("SELECT broadcast_id FROM broadcast_recipient"))).all()
    revision = await current_revision(db)
    await db.dispose()
    assert [tuple(r) for r in found] == [(1, None, None)]
    assert [tuple(r) for r in kept] == [(1, "k1"), (2, "k2")] and [tuple(r) for r in recipients] == [(1,)]
    assert revision == "u6m2"


async def test_c4t2_adds_client_tags_and_takes_them_back(db_url: str) -> None:
    """client_tag arrives beside the clients already there, one key per client (a second «усн» for the same
    client is refused by the database); downgraded, the table goes and the clients stay. SQLite and
    PostgreSQL."""
    db = Database(db_url)
    await upgrade(db, "v7b3")
    async with db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO client (id, name, created_at) VALUES (1, 'ИП Сидоров', CURRENT_TIMESTAMP)")
        )
    await upgrade(db)
    insert = text(
        "INSERT INTO client_tag (client_id, key, tag, created_at) VALUES (1, 'усн', :tag, CURRENT_TIMESTAMP)"
    )
    async with db.engine.begin() as conn:
        await conn.execute(insert, {"tag": "УСН"})
    with pytest.raises(IntegrityError):
        async with db.engine.begin() as conn:
            await conn.execute(insert, {"tag": "усн"})

    def downgrade(connection: Connection) -> None:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "v7b3")

    async with db.engine.begin() as conn:
        await conn.run_sync(downgrade)
    async with db.engine.connect() as conn:
        clients = (await conn.execute(text("SELECT id, name FROM client"))).all()
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    revision = await current_revision(db)
    await db.dispose()
    assert [tuple(r) for r in clients] == [(1, "ИП Сидоров")] and "client_tag" not in tables
    assert revision == "v7b3"
