"""request: the client's rating once the request is done (survey_sent_at, rating, rating_comment,
rated_at)

Revision ID: r5t1
Revises: z4t7
Create Date: 2026-12-07 08:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r5t1"
down_revision: str | None = "z4t7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable columns without a reference: added in place on SQLite as well, no table rebuild
    op.add_column("request", sa.Column("survey_sent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("request", sa.Column("rating", sa.Integer(), nullable=True))
    op.add_column("request", sa.Column("rating_comment", sa.String(length=500), nullable=True))
    op.add_column("request", sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request") as batch:
        for column in ("rated_at", "rating_comment", "rating", "survey_sent_at"):
            batch.drop_column(column)
