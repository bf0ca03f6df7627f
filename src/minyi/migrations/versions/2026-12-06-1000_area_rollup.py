"""area roll-up: per-day and total area figures for the leader dashboard, and the day marks

Revision ID: rollups0001
Revises: unitstatus0001

Creates `case_day_marks`, `area_day_counts` and `area_totals` (analytics/rollups.py,
docs/decisions/0011-area-rollup.md) and back-fills them from the cases with what the worker's
job would leave after a rebuild (`rebuild_area_rollup`): the days before today folded in, one mark
for each day from today to the last registration day. The back-fill is SQL of its own, frozen at
this revision (the migrations' README: a migration does not import domain code): one
INSERT ... SELECT ... GROUP BY per table, with the status sets of `cases/rules.py` as they are
here; tests/integration/analytics/test_rollup_migration.py shows it equals the job's on both
backends. Measured with the earlier back-fill (the job's code, one GROUP BY per day) on the
100k-appeal PostgreSQL history (365 days, a copy of minyi_reads_100k) at load average 16
on 2 cores: `minyi db upgrade` took 37 s, of which 26 s is the command's start-up (an upgrade
with nothing to do) and 10 s the back-fill measured alone (`rebuild_area_rollup`; 31,439 day
rows, 92 totals); a quiet machine takes a fraction of that. The SQL back-fill is one pass over
the cases instead of a statement per day; it grows with the history all the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "rollups0001"
down_revision = "unitstatus0001"
branch_labels = None
depends_on = None

FIGURES = ("cases", "open", "overdue", "closed", "unsatisfied")
# cases/rules.py's OPEN and CLOSED at this revision. A later change to them that alters what the
# roll-up counts rebuilds it in that change's own migration.
OPEN = ("registered", "accepted", "dispatched", "signed_for", "in_progress", "reply_pending")
CLOSED = ("replied", "rated", "archived", "declined")
# The district's day (cases/models.py DAY_ZONE). China keeps no summer time, so SQLite's fixed
# offset gives the same day as PostgreSQL's zone for any date after 1991.
ZONE = ZoneInfo("Asia/Shanghai")
DAY = {
    "postgresql": "CAST(registered_at AT TIME ZONE 'Asia/Shanghai' AS date)",
    "sqlite": "date(registered_at, '+8 hours')",
}


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
    backfill(op.get_bind(), now=datetime.now(UTC))


def backfill(bind: sa.Connection, *, now: datetime) -> None:
    """The roll-up as the job leaves it after a rebuild at `now` (the migration's own moment):
    the days before today folded, the later days marked (read live)."""
    day = DAY[bind.dialect.name]
    quoted = ", ".join(f"'{s}'" for s in OPEN)
    closed = ", ".join(f"'{s}'" for s in CLOSED)
    figures = (
        "count(*), "
        f"sum(CASE WHEN status IN ({quoted}) THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN is_overdue AND status IN ({quoted}) THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN status IN ({closed}) THEN 1 ELSE 0 END), "
        "sum(CASE WHEN rating = 'unsatisfied' THEN 1 ELSE 0 END)"
    )
    columns = ", ".join(FIGURES)
    today = now.astimezone(ZONE).date()
    bind.execute(
        sa.text(
            f"INSERT INTO area_day_counts (day, street_id, community_id, {columns}) "  # noqa: S608 - constants of this file
            f"SELECT {day} AS d, street_id, community_id, {figures} FROM cases "
            f"WHERE {day} < :today GROUP BY {day}, street_id, community_id"
        ).bindparams(sa.bindparam("today", type_=sa.Date())),
        {"today": today},
    )
    sums = ", ".join(f"sum({f})" for f in FIGURES)
    bind.execute(
        sa.text(
            f"INSERT INTO area_totals (street_id, community_id, {columns}) "  # noqa: S608 - constants of this file
            f"SELECT street_id, community_id, {sums} FROM area_day_counts "
            "GROUP BY street_id, community_id"
        )
    )
    first, last = bind.execute(
        sa.text("SELECT min(registered_at), max(registered_at) FROM cases")
    ).one()
    if first is None or last is None:
        return
    marks: list[date] = []
    mark = max(today, _local_day(first))
    while mark <= _local_day(last):
        marks.append(mark)
        mark += timedelta(days=1)
    if marks:
        bind.execute(
            sa.text("INSERT INTO case_day_marks (day) VALUES (:day)").bindparams(
                sa.bindparam("day", type_=sa.Date())
            ),
            [{"day": d} for d in marks],
        )


def _local_day(at: datetime | str) -> date:
    """The district's day of a stored instant (SQLite gives its UTC text)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(ZONE).date()


def downgrade() -> None:
    op.drop_table("area_totals")
    op.drop_table("area_day_counts")
    op.drop_index("ix_case_day_marks_day", table_name="case_day_marks")
    op.drop_table("case_day_marks")
