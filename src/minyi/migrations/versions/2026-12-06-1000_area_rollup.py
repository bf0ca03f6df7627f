"""area roll-up: per-day and total area figures for the leader dashboard, and the day marks

Revision ID: rollups0001
Revises: unitstatus0001

Creates `case_day_marks`, `area_day_counts` and `area_totals` (analytics/rollups.py,
docs/decisions/0011-area-rollup.md) and back-fills them from the cases with the same code the
worker's job runs: every registration day is marked, then the days before today are folded in.
On the 100k-appeal PostgreSQL history (365 days, a copy of minyi_reads_100k) at load average 16
on 2 cores: `minyi db upgrade` took 37 s, of which 26 s is the command's start-up (an upgrade
with nothing to do) and 10 s the back-fill measured alone (`rebuild_area_rollup`; 31,439 day
rows, 92 totals); a quiet machine takes a fraction of that. It is one GROUP BY per day over that
day's cases (an index range), so it grows with the history: ~100× the rows at 10M.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from minyi.analytics.rollups import rebuild_area_rollup

revision = "rollups0001"
down_revision = "unitstatus0001"
branch_labels = None
depends_on = None

FIGURES = ("cases", "open", "overdue", "closed", "unsatisfied")


def _figures() -> list[sa.Column[int]]:
    return [sa.Column(f, sa.Integer(), nullable=False) for f in FIGURES]


def upgrade() -> None:
    op.create_table(
        "case_day_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_index("ix_case_day_marks_day", "case_day_marks", ["day"])
    op.create_table(
        "area_day_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("street_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=True),
        *_figures(),
    )
    op.create_index("ix_area_day_counts_day", "area_day_counts", ["day"])
    op.create_table(
        "area_totals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("street_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=True),
        *_figures(),
    )
    # The code of today (the migration's own moment), as the job would run it now; the
    # per-service day counts come with boards0001, which back-fills them.
    session = Session(bind=op.get_bind())
    rebuild_area_rollup(session, now=datetime.now(UTC), services=False)
    session.flush()


def downgrade() -> None:
    op.drop_table("area_totals")
    op.drop_table("area_day_counts")
    op.drop_index("ix_case_day_marks_day", table_name="case_day_marks")
    op.drop_table("case_day_marks")
