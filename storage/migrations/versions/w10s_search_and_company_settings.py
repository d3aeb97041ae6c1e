"""full-text search (SQLite FTS5, PostgreSQL GIN on to_tsvector(russian)); company settings (SLA, assignment)

Revision ID: w10s
Revises: b7n1
Create Date: 2026-11-25 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.search_schema import INDEXED, postgres_create, postgres_drop, sqlite_create, sqlite_drop
from storage.types import utcnow

revision: str = "w10s"
down_revision: str | None = "b7n1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _search_ddl(create: bool) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        build = postgres_create if create else postgres_drop
    else:
        build = sqlite_create if create else sqlite_drop
    return [statement for item in INDEXED for statement in build(item)]


def upgrade() -> None:
    op.create_table(
        "company_setting",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("key"),
    )
    # The rotation's cursor exists from the start, so concurrent first picks lock one row instead of racing
    # to insert it.
    setting = sa.table(
        "company_setting",
        sa.column("key", sa.String),
        sa.column("value", sa.JSON),
        sa.column("updated_at", storage.types.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(setting, [{"key": "assignment_cursor", "value": {"staff_id": 0}, "updated_at": utcnow()}])
    for statement in _search_ddl(create=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _search_ddl(create=False):
        op.execute(statement)
    op.drop_table("company_setting")
