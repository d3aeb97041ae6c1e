"""merge the staff bot (s9b1) and web search/company settings (w10s) branches

Revision ID: m1x2
Revises: s9b1, w10s
Create Date: 2026-11-25 02:30:00
"""
from collections.abc import Sequence

revision: str = "m1x2"
down_revision: str | Sequence[str] | None = ("s9b1", "w10s")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
