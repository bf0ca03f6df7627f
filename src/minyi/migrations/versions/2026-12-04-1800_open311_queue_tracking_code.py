"""integrations: a queued Open311 request keeps its tracking code until the token holder reads it

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


def downgrade() -> None:
    with op.batch_alter_table("open311_queue") as batch:
        batch.drop_column("tracking_code")
