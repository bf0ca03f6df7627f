"""reports: daily report issues, subscribers

Revision ID: g1report0001
Revises: f4suggest001
"""

from __future__ import annotations

revision = "g1report0001"
down_revision = "f4suggest001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
