"""integrations: open311 tokens, webhooks, import batches

Revision ID: h1integr0001
Revises: g2analyt0001
"""

from __future__ import annotations

revision = "h1integr0001"
down_revision = "g2analyt0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
