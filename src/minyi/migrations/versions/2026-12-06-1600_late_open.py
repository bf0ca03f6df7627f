"""late-open roll-up: per unit, closure-breach day and the day its cases stop being late-open

Revision ID: lateopen0001
Revises: searchmonth0001

Creates `unit_late_open_days` (analytics/models.py `UnitLateOpen`, analytics/unit_rollup.py
`late_open_counts`, docs/decisions/0012-unit-rollup.md) and marks every day from the first
closure-clock breach to today in `unit_day_marks`, in SQL of its own (the migrations' README: no
domain code here). As with `unitrollup0001` it folds nothing: a marked day is read live, so the
assessment is exact from the first moment, and the worker's `roll_up_units` folds the marked days
a month of days per run (a marked day's unit figures are folded again with it, to the same rows).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "lateopen0001"
down_revision = "searchmonth0001"
branch_labels = None
depends_on = None

# analytics/rules.py's CLOSURE_MILESTONES and the district's day, frozen at this revision.
CLOSURE_MILESTONES = ("first_round", "close", "handle", "review")
ZONE = ZoneInfo("Asia/Shanghai")


def upgrade() -> None:
    op.create_table(
        "unit_late_open_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
    )
    op.create_index("ix_unit_late_open_days_day", "unit_late_open_days", ["day"])
    mark_days(op.get_bind(), now=datetime.now(UTC))


def _local_day(at: datetime | str) -> date:
    if isinstance(at, str):  # SQLite hands back the stored text
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:  # stored as UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(ZONE).date()


def mark_days(bind: sa.Connection, *, now: datetime) -> None:
    """One mark for each day from the first closure-clock breach to today (or the last breach,
    if later)."""
    first, last = bind.execute(
        sa.text(
            "SELECT min(breached_at), max(breached_at) FROM clocks "
            "WHERE subject = 'case' AND milestone IN :milestones"
        ).bindparams(sa.bindparam("milestones", expanding=True)),
        {"milestones": list(CLOSURE_MILESTONES)},
    ).one()
    if first is None or last is None:
        return
    day, end = _local_day(first), max(_local_day(last), now.astimezone(ZONE).date())
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
    op.drop_index("ix_unit_late_open_days_day", table_name="unit_late_open_days")
    op.drop_table("unit_late_open_days")
