"""notification outbox

Revision ID: a1notify0001
Revises: d1sla0000001
"""

from __future__ import annotations

revision = "a1notify0001"
down_revision = "d1sla0000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
