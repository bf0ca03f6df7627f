"""key cases: the 重点件 flag and its checklist on cases

Revision ID: e0keycase001
Revises: 2383a2bbb188
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e0keycase001"
down_revision = "2383a2bbb188"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Server defaults fill the rows that already exist; new rows get theirs from the model.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_key_case", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("key_checklist", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("key_checklist")
        batch_op.drop_column("is_key_case")
