"""broadcast.send_at, cancelled_at, cancelled_by_id, attachments: a broadcast sent later, called off before it
goes, with files every copy carries

Revision ID: s8d4
Revises: p3w5
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "s8d4"
down_revision: str | None = "p3w5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # in place on SQLite as well: a batch rebuild would drop and recreate broadcast, which SQLite's foreign-key
    # check refuses once recipient rows point at it (as in b3k9)
    op.add_column("broadcast", sa.Column("send_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column(
        "broadcast", sa.Column("cancelled_at", storage.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("broadcast", sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]"))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE broadcast ADD COLUMN cancelled_by_id INTEGER "
            "CONSTRAINT fk_broadcast_cancelled_by_id_staff REFERENCES staff (id)"
        )
    else:
        op.add_column("broadcast", sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_broadcast_cancelled_by_id_staff", "broadcast", "staff", ["cancelled_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("broadcast") as batch:
        batch.drop_constraint("fk_broadcast_cancelled_by_id_staff", type_="foreignkey")
        batch.drop_column("attachments")
        batch.drop_column("cancelled_by_id")
        batch.drop_column("cancelled_at")
        batch.drop_column("send_at")
