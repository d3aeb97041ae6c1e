"""contact.blocked_at, blocked_by_id: a contact blocked as spam (their messages stored, no requests)

Revision ID: b3k9
Revises: q2b8
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "b3k9"
down_revision: str | None = "q2b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contact", sa.Column("blocked_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # in place, the reference inline: a batch rebuild would drop and recreate contact, which SQLite's
        # foreign-key check refuses once messages and requests point at it (as in h4d1)
        op.execute(
            "ALTER TABLE contact ADD COLUMN blocked_by_id INTEGER "
            "CONSTRAINT fk_contact_blocked_by_id_staff REFERENCES staff (id)"
        )
    else:
        op.add_column("contact", sa.Column("blocked_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_contact_blocked_by_id_staff", "contact", "staff", ["blocked_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_constraint("fk_contact_blocked_by_id_staff", type_="foreignkey")
        batch.drop_column("blocked_by_id")
        batch.drop_column("blocked_at")
