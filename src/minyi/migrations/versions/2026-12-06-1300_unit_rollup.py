"""unit roll-up and stored hotspot passes: the assessment's additive figures per unit and day,
their day marks, and the worker's daily hotspot pass

Revision ID: unitrollup0001
Revises: boards0001

Creates `unit_day_marks` and `unit_day_figures` (analytics/unit_rollup.py,
docs/decisions/0012-unit-rollup.md) and marks every day from the first assignment, closure,
feedback, bounce or summons to today, in SQL of its own (the migrations' README: no domain code
here). It folds nothing: a marked day is read live, so the assessment is exact from the first
moment, and the worker's `roll_up_units` folds the marked days a month of days per run (the
1,100 days of the bench history in about 36 runs, one a minute). The upgrade itself stays short
at any size: an earlier version folded every day inside the migration (54 s on a copy of the 1M
bench history at load 11-14, docs/scaling.md §3h; some ten times that at 10M). Also creates `hotspot_passes`, filled by the
worker's `compute_hotspots` job (analytics/hotspot_passes.py); nothing to back-fill: the pages
say when today's pass is not computed yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from minyi.core.db import UTCDateTime

revision = "unitrollup0001"
down_revision = "boards0001"
branch_labels = None
depends_on = None

# analytics/unit_rollup.py's COLUMNS and the district's day, frozen at this revision.
COLUMNS = (
    "assigned",
    "signed_in_time",
    "closed",
    "closed_on_time",
    "closed_first_time",
    "repeated",
    "feedback",
    "satisfied",
    "bounces",
    "summoned",
    "reported_in_time",
)
ZONE = ZoneInfo("Asia/Shanghai")
# Where each figure's day comes from: (table, column, condition).
MOMENTS = (
    ("case_units", "assigned_at", "1 = 1"),
    ("cases", "closed_at", "1 = 1"),
    ("case_events", "at", "action = 'feedback'"),
    ("bounces", "requested_at", "1 = 1"),
    ("summonses", "summoned_at", "1 = 1"),
)


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
    mark_days(op.get_bind(), now=datetime.now(UTC))


def _local_day(at: datetime | str) -> date:
    if isinstance(at, str):  # SQLite hands back the stored text
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:  # stored as UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(ZONE).date()


def mark_days(bind: sa.Connection, *, now: datetime) -> None:
    """One mark for each day from the first moment any figure counts to today (or the last
    such moment, if later)."""
    known: list[date] = []
    for table, column, where in MOMENTS:
        first, last = bind.execute(
            sa.text(f"SELECT min({column}), max({column}) FROM {table} WHERE {where}")  # noqa: S608 - constants of this file
        ).one()
        known += [_local_day(at) for at in (first, last) if at is not None]
    if not known:
        return
    day, end = min(known), max(*known, now.astimezone(ZONE).date())
    days = []
    while day <= end:
        days.append({"day": day})
        day += timedelta(days=1)
    bind.execute(
        sa.text("INSERT INTO unit_day_marks (day) VALUES (:day)").bindparams(
            sa.bindparam("day", type_=sa.Date())
        ),
        days,
    )


def downgrade() -> None:
    op.drop_table("hotspot_passes")
    op.drop_table("unit_day_figures")
    op.drop_index("ix_unit_day_marks_day", table_name="unit_day_marks")
    op.drop_table("unit_day_marks")
