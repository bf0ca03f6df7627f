"""org: a staff member must change a password an administrator reset

Revision ID: loopfree0001
Revises: worker0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "loopfree0001"
down_revision = "track3110001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("must_change_password")
