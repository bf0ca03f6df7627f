"""triage: repeat/crowd links and risk lexicons

Revision ID: f3signal0001
Revises: f2places0001
"""

from __future__ import annotations

revision = "f3signal0001"
down_revision = "f2places0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
