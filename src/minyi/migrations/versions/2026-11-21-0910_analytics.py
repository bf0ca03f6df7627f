"""analytics: alerts, sweep tasks, assessments

Revision ID: g2analyt0001
Revises: g1report0001
"""

from __future__ import annotations

revision = "g2analyt0001"
down_revision = "g1report0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
