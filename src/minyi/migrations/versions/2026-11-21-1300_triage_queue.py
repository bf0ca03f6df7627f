"""triage: the worker's queue of appeals to triage

Revision ID: j1triageq01
Revises: i1web000001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "j1triageq01"
down_revision = "i1web000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_queue",
        sa.Column("appeal_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_triage_queue_appeal_id_appeals")
        ),
        sa.PrimaryKeyConstraint("appeal_id", name=op.f("pk_triage_queue")),
    )
    # What the worker would have picked up before: pending cases with no suggestion yet.
    op.execute(
        "INSERT INTO triage_queue (appeal_id) SELECT c.appeal_id FROM cases c"
        " WHERE c.status IN ('registered', 'accepted')"
        " AND NOT EXISTS (SELECT 1 FROM triage_suggestions s WHERE s.appeal_id = c.appeal_id)"
    )


def downgrade() -> None:
    op.drop_table("triage_queue")
