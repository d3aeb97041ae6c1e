"""staff.timezone: a member's own time zone (a branch in another city); none is the company's

Revision ID: z4t7
Revises: l5k2
Create Date: 2026-12-07 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "z4t7"
down_revision: str | None = "l5k2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a nullable column without a reference: added in place on SQLite as well, no table rebuild
    op.add_column("staff", sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("timezone")
