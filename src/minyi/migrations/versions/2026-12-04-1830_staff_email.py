"""org: a staff member's email address, kept by the administrator beside the phone

Revision ID: adminweb0001
Revises: queuecode0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "adminweb0001"
down_revision = "queuecode0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("email", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("email")
