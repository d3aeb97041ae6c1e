"""staff.language: the language a member reads okno in (the web, the staff bot, its notices); none is the
company's

Revision ID: g6l2
Revises: b3k9
Create Date: 2026-12-07 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "g6l2"
down_revision: str | None = "b3k9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a nullable column without a reference: added in place on SQLite as well, no table rebuild
    op.add_column("staff", sa.Column("language", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("language")
