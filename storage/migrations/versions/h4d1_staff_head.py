"""staff.head_id: each member's руководитель, whom their alerts and overdue tasks reach first; the group
that answers a channel account (a line), and the group a request came in to

Revision ID: h4d1
Revises: t3s1
Create Date: 2026-12-07 02:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h4d1"
down_revision: str | None = "t3s1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table, column, name in COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            # in place, the reference inline: a batch rebuild would drop and recreate staff, request and
            # channel_account, which SQLite's foreign-key check refuses once rows point at them
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES staff (id)")
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, table, "staff", [column], ["id"])


def downgrade() -> None:
    for table, column, name in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="foreignkey")
            batch.drop_column(column)


COLUMNS = (
    ("staff", "head_id", "fk_staff_head_id"),
    ("channel_account", "group_head_id", "fk_channel_account_group_head_id"),
    ("request", "group_head_id", "fk_request_group_head_id"),
)
