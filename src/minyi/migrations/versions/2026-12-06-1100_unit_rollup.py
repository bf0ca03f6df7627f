"""unit roll-up: the assessment's additive figures per unit and day, and their day marks

Revision ID: unitrollup0001
Revises: rollups0001

Creates `unit_day_marks` and `unit_day_figures` (analytics/unit_rollup.py,
docs/decisions/0012-unit-rollup.md) and back-fills them with the code the worker's job runs:
every day from the first assignment, closure, feedback, bounce or summons to today is marked,
then the days before today are recomputed (five GROUP BY statements per day over that day's
rows, each an index range). It grows with the history's days and their rows; measured on a copy
of the 1M bench history in docs/scaling.md §3x.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from minyi.analytics.unit_rollup import COLUMNS, rebuild_unit_rollup

revision = "unitrollup0001"
down_revision = "rollups0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_day_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_index("ix_unit_day_marks_day", "unit_day_marks", ["day"])
    op.create_table(
        "unit_day_figures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in COLUMNS),
        sa.UniqueConstraint("day", "unit_id", name="uq_unit_day_figures_day_unit_id"),
    )
    # The code of today (the migration's own moment), as the job would run it now.
    session = Session(bind=op.get_bind())
    rebuild_unit_rollup(session, now=datetime.now(UTC))
    session.flush()


def downgrade() -> None:
    op.drop_table("unit_day_figures")
    op.drop_index("ix_unit_day_marks_day", table_name="unit_day_marks")
    op.drop_table("unit_day_marks")
