"""broadcast.repeat, previous_id: a broadcast repeated every week or month, each occurrence pointing at the one
it follows

Revision ID: v7b3
Revises: u6m2
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v7b3"
down_revision: str | None = "u6m2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # in place on SQLite as well: a batch rebuild would drop and recreate broadcast, which SQLite's foreign-key
    # check refuses once recipient rows point at it (as in s8d4)
    op.add_column("broadcast", sa.Column("repeat", sa.String(length=40), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE broadcast ADD COLUMN previous_id INTEGER "
            "CONSTRAINT fk_broadcast_previous_id_broadcast REFERENCES broadcast (id)"
        )
    else:
        op.add_column("broadcast", sa.Column("previous_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_broadcast_previous_id_broadcast", "broadcast", "broadcast", ["previous_id"], ["id"]
        )
    op.create_index(op.f("ix_broadcast_previous_id"), "broadcast", ["previous_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_broadcast_previous_id"), table_name="broadcast")
    if op.get_bind().dialect.name == "sqlite":
        # in place again (SQLite 3.35+): SQLite keeps no name for the reference a batch would drop, and the
        # rebuild is refused as above
        op.execute("ALTER TABLE broadcast DROP COLUMN previous_id")
    else:
        op.drop_constraint("fk_broadcast_previous_id_broadcast", "broadcast", type_="foreignkey")
        op.drop_column("broadcast", "previous_id")
    op.drop_column("broadcast", "repeat")
