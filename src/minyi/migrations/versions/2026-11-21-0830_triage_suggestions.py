"""triage: suggestions and dispatcher corrections

Revision ID: f4suggest001
Revises: f3signal0001
"""

from __future__ import annotations

revision = "f4suggest001"
down_revision = "f3signal0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
