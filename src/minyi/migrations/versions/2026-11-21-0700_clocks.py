"""clock policies and clock rows

Revision ID: d1sla0000001
Revises: 2383a2bbb188
"""

from __future__ import annotations

revision = "d1sla0000001"
down_revision = "2383a2bbb188"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
