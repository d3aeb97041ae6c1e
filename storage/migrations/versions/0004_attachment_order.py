"""attachment platform order and fetch note

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_order", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fetch_note", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_column("fetch_note")
        batch_op.drop_column("platform_order")
