"""web: sessions, sign-in throttling

Revision ID: i1web000001
Revises: h1integr0001
"""

from __future__ import annotations

revision = "i1web000001"
down_revision = "h1integr0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
