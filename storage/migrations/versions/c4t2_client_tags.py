"""client_tag: labels staff put on clients («УСН», «VIP»), one per client and casefolded key

Revision ID: c4t2
Revises: v7b3
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "c4t2"
down_revision: str | None = "v7b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a new table only: nothing is rebuilt, so SQLite needs neither batch mode nor the in-place ALTERs that
    # s8d4 and v7b3 use for broadcast (client and staff rows it points at stay as they are)
    op.create_table(
        "client_tag",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("client_id", "key"),
    )
    op.create_index(op.f("ix_client_tag_key"), "client_tag", ["key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_client_tag_key"), table_name="client_tag")
    op.drop_table("client_tag")
