"""escalation, leader case-holding, whistle

Revision ID: b1escal00001
Revises: a1notify0001
"""

from __future__ import annotations

revision = "b1escal00001"
down_revision = "a1notify0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
