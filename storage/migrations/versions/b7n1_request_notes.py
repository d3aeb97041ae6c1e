"""internal request notes; staff on duty (round-robin assignment)

Revision ID: b7n1
Revises: a8c1
Create Date: 2026-11-25 01:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "b7n1"
down_revision: str | None = "a8c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("author_staff_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_request_note_request_id", "request_note", ["request_id"])
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("on_duty")
    op.drop_index("ix_request_note_request_id", table_name="request_note")
    op.drop_table("request_note")
