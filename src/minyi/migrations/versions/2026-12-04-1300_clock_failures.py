"""sla: a clock's failed firings (attempt count, last error, parked)

Revision ID: worker0001
Revises: clocks0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "worker0001"
down_revision = "clocks0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clocks") as batch:
        batch.add_column(
            sa.Column("fire_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clocks") as batch:
        batch.drop_column("parked_at")
        batch.drop_column("last_error")
        batch.drop_column("fire_attempts")
