"""channel_identity.reachable_at: when the platform said the client could (no longer) be written to, so an
older event ingested later does not override a newer one

Revision ID: k5u3
Revises: m7r2
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "k5u3"
down_revision: str | None = "m7r2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a nullable column without a reference: added in place on SQLite as well, no table rebuild
    op.add_column(
        "channel_identity",
        sa.Column("reachable_at", storage.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("channel_identity") as batch:
        batch.drop_column("reachable_at")
