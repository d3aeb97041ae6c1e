"""staff.head_id: each member's руководитель, whom their alerts and overdue tasks reach first

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
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("head_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_staff_head_id", "staff", ["head_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint("fk_staff_head_id", type_="foreignkey")
        batch.drop_column("head_id")
