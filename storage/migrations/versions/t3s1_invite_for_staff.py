"""an invite for an existing staff member (connects their Telegram to the staff bot); outbox rows by their
staff message (the timeline shows each reply's delivery)

Revision ID: t3s1
Revises: m1x2
Create Date: 2026-12-07 00:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "t3s1"
down_revision: str | None = "m1x2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_invite") as batch:
        batch.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_staff_invite_staff_id", "staff", ["staff_id"], ["id"])
    op.create_index("ix_outbox_message_id", "outbox", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_id", table_name="outbox")
    with op.batch_alter_table("staff_invite") as batch:
        batch.drop_constraint("fk_staff_invite_staff_id", type_="foreignkey")
        batch.drop_column("staff_id")
