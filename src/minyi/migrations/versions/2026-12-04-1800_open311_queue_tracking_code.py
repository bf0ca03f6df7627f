"""integrations: a queued Open311 request keeps its tracking code until the token holder reads
it, and is retried with back-off when its registration raises (core/retries.py)

Revision ID: queuecode0001
Revises: loopfree0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "queuecode0001"
down_revision = "loopfree0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("open311_queue") as batch:
        batch.add_column(sa.Column("tracking_code", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("open311_queue") as batch:
        for column in ("parked_at", "next_attempt_at", "last_error", "attempts", "tracking_code"):
            batch.drop_column(column)
