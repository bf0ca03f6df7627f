"""cases: 答复审核, a handler's reply waits for the unit head (draft column, per-leaf setting)

Revision ID: approvalweb0001
Revises: leaderweb0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "approvalweb0001"
down_revision = "leaderweb0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("reply_draft", sa.Text(), nullable=True))
    with op.batch_alter_table("dictionary_entries") as batch:
        batch.add_column(sa.Column("reply_approval", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dictionary_entries") as batch:
        batch.drop_column("reply_approval")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reply_draft")
