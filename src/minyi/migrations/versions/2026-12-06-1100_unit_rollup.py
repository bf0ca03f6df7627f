"""unit roll-up and stored hotspot passes: the assessment's additive figures per unit and day,
their day marks, and the worker's daily hotspot pass

Revision ID: unitrollup0001
Revises: rollups0001

Creates `unit_day_marks` and `unit_day_figures` (analytics/unit_rollup.py,
docs/decisions/0012-unit-rollup.md) and back-fills them with the code the worker's job runs:
every day from the first assignment, closure, feedback, bounce or summons to today is marked,
then the days before today are recomputed (five GROUP BY statements per day over that day's
rows, each an index range). It grows with the history's days and their rows; measured on a copy
of the 1M bench history in docs/scaling.md §3x. Also creates `hotspot_passes`, filled by the
worker's `compute_hotspots` job (analytics/hotspot_passes.py); nothing to back-fill: the pages
say when today's pass is not computed yet.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from minyi.analytics.unit_rollup import COLUMNS, rebuild_unit_rollup
from minyi.core.db import UTCDateTime

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
    op.create_table(
        "hotspot_passes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("hotspots", sa.JSON(), nullable=False),
        sa.UniqueConstraint("day", "window_days", name="uq_hotspot_passes_day_window_days"),
    )
    # The code of today (the migration's own moment), as the job would run it now.
    session = Session(bind=op.get_bind())
    rebuild_unit_rollup(session, now=datetime.now(UTC))
    session.flush()


def downgrade() -> None:
    op.drop_table("hotspot_passes")
    op.drop_table("unit_day_figures")
    op.drop_index("ix_unit_day_marks_day", table_name="unit_day_marks")
    op.drop_table("unit_day_marks")
