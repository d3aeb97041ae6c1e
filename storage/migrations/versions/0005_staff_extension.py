"""staff PBX extension

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extension", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_staff_extension", ["extension"])


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_constraint("uq_staff_extension", type_="unique")
        batch_op.drop_column("extension")
