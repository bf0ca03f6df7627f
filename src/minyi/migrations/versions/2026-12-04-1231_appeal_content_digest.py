"""appeals: a digest of the submitter and content, to tell a replay from a clash

Revision ID: intake0002
Revises: intake0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "intake0002"
down_revision = "intake0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: older appeals have none, and a replay of one is answered as before.
    op.add_column("appeals", sa.Column("content_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeals") as batch_op:
        batch_op.drop_column("content_digest")
