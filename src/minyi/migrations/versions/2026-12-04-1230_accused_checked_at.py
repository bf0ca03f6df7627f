"""cases: when the complaint-target check ran (accused_checked_at)

Revision ID: intake0001
Revises: j1triageq01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from minyi.core.db import UTCDateTime

revision = "intake0001"
down_revision = "j1triageq01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a row nobody checked stays NULL and is masked for every unit until checked.
    op.add_column(
        "cases", sa.Column("accused_checked_at", UTCDateTime(timezone=True), nullable=True)
    )
    # Cases triage already decided (a suggestion, or units hidden from) count as checked, at
    # their registration; the rest are checked by the worker's sweep or before a dispatch.
    op.execute(
        "UPDATE cases SET accused_checked_at = registered_at"
        " WHERE CAST(identity_hidden_from AS TEXT) NOT IN ('null', '[]')"
        " OR EXISTS (SELECT 1 FROM triage_suggestions s WHERE s.case_id = cases.id)"
    )
    op.create_index(
        "ix_cases_accused_unchecked",
        "cases",
        ["id"],
        postgresql_where=sa.text("accused_checked_at IS NULL"),
        sqlite_where=sa.text("accused_checked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_accused_unchecked", table_name="cases")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("accused_checked_at")
