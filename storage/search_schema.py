"""The full-text search objects, outside SQLModel metadata: SQLite FTS5 tables kept in sync by triggers, or
PostgreSQL GIN expression indexes. Alembic cannot describe either, so revision w10s creates them with this DDL
and the model/head comparison skips them by name (`is_search_object`).

A later SQLite batch migration that rebuilds `message`, `transcript_segment` or `client` drops their triggers:
such a revision must call `create_sqlite_triggers` again."""

from __future__ import annotations

from dataclasses import dataclass

TOKENIZER = "unicode61 remove_diacritics 2"  # Unicode case folding: Cyrillic matches in any case, ё = е


@dataclass(frozen=True)
class Indexed:
    table: str
    columns: tuple[str, ...]

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"

    @property
    def pg_index(self) -> str:
        return f"ix_{self.table}_fts"

    def pg_document(self, alias: str = "") -> str:
        prefix = f"{alias}." if alias else ""
        return " || ' ' || ".join(f"coalesce({prefix}{c}, '')" for c in self.columns)


MESSAGE = Indexed("message", ("subject", "text"))
SEGMENT = Indexed("transcript_segment", ("text",))
CLIENT = Indexed("client", ("name", "inn"))
INDEXED = (MESSAGE, SEGMENT, CLIENT)
# FTS5 keeps its data in shadow tables named after the virtual table.
SHADOW_SUFFIXES = ("", "_data", "_idx", "_docsize", "_config", "_content")


def is_search_object(name: str | None) -> bool:
    if name is None:
        return False
    names = {i.fts + s for i in INDEXED for s in SHADOW_SUFFIXES} | {i.pg_index for i in INDEXED}
    return name in names


def sqlite_create(item: Indexed) -> list[str]:
    cols = ", ".join(item.columns)
    return [
        f"CREATE VIRTUAL TABLE {item.fts} USING fts5({cols}, content='{item.table}', content_rowid='id', "
        f"tokenize='{TOKENIZER}')",
        *sqlite_triggers(item),
        f"INSERT INTO {item.fts}({item.fts}) VALUES ('rebuild')",  # noqa: S608 (constants only)
    ]


def sqlite_triggers(item: Indexed) -> list[str]:
    cols = ", ".join(item.columns)
    new = ", ".join(f"new.{c}" for c in item.columns)
    old = ", ".join(f"old.{c}" for c in item.columns)
    insert = f"INSERT INTO {item.fts}(rowid, {cols}) VALUES (new.id, {new});"  # noqa: S608 (constants)
    delete = f"INSERT INTO {item.fts}({item.fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"  # noqa: S608
    return [
        f"CREATE TRIGGER {item.fts}_ai AFTER INSERT ON {item.table} BEGIN {insert} END",
        f"CREATE TRIGGER {item.fts}_ad AFTER DELETE ON {item.table} BEGIN {delete} END",
        f"CREATE TRIGGER {item.fts}_au AFTER UPDATE OF {cols} ON {item.table} BEGIN {delete} {insert} END",
    ]


def sqlite_drop(item: Indexed) -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS {item.fts}_{kind}" for kind in ("ai", "ad", "au")),
        f"DROP TABLE IF EXISTS {item.fts}",
    ]


def postgres_create(item: Indexed) -> list[str]:
    return [
        f"CREATE INDEX {item.pg_index} ON {item.table} "
        f"USING gin (to_tsvector('russian', {item.pg_document()}))"
    ]


def postgres_drop(item: Indexed) -> list[str]:
    return [f"DROP INDEX IF EXISTS {item.pg_index}"]
