"""an invite for an existing staff member (connects their Telegram to the staff bot); outbox rows by their
staff message, whose delivery now follows the row (filled in here for the replies sent before)

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
    # the replies sent before: the inbox flags a failed one, and reads the others as answered
    op.execute(
        "UPDATE message SET delivery_status = (SELECT outbox.status FROM outbox WHERE outbox.message_id ="
        " message.id AND outbox.status IN ('sent', 'delivered', 'read', 'failed') ORDER BY outbox.id DESC"
        " LIMIT 1) WHERE delivery_status IS NULL AND direction = 'outbound' AND EXISTS (SELECT 1 FROM outbox"
        " WHERE outbox.message_id = message.id AND outbox.status IN ('sent', 'delivered', 'read', 'failed'))"
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_id", table_name="outbox")
    with op.batch_alter_table("staff_invite") as batch:
        batch.drop_constraint("fk_staff_invite_staff_id", type_="foreignkey")
        batch.drop_column("staff_id")
