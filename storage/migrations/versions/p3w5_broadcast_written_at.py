"""broadcast.written_at: when a broadcast's copies were written by its job (none yet: queued)

Revision ID: p3w5
Revises: k5u3
Create Date: 2026-12-07 15:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "p3w5"
down_revision: str | None = "k5u3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a nullable column without a reference: added in place on SQLite as well, no table rebuild
    op.add_column("broadcast", sa.Column("written_at", storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcast") as batch:
        batch.drop_column("written_at")
