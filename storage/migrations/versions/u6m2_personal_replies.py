"""personal_reply: a member's own saved replies, found by their «/код» before the company's

Revision ID: u6m2
Revises: s8d4
Create Date: 2026-12-07 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "u6m2"
down_revision: str | None = "s8d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "personal_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "code"),
    )
    op.create_index(op.f("ix_personal_reply_staff_id"), "personal_reply", ["staff_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_personal_reply_staff_id"), table_name="personal_reply")
    op.drop_table("personal_reply")
