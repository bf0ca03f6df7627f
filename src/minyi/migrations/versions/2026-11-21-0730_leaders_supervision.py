"""leader instructions, supervision orders and letters

Revision ID: c1superv0001
Revises: b1escal00001
"""

from __future__ import annotations

revision = "c1superv0001"
down_revision = "b1escal00001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
