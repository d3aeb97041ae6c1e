"""request.waiting_until: the date a manager gave a client to answer by, after which the assignee is told the
client is silent

Revision ID: w8c1
Revises: h4d1
Create Date: 2026-12-07 06:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "w8c1"
down_revision: str | None = "h4d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a nullable column without a reference: added in place on SQLite as well, no table rebuild
    op.add_column("request", sa.Column("waiting_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.drop_column("waiting_until")
