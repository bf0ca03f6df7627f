"""boards: the dispatch board's pending bounces by index, the cases per service per day

Revision ID: boards0001
Revises: unitdefault0001

The dispatch board reads the bounces waiting for the dispatcher, oldest first: without an index
that was a scan of every case (1M: a parallel seq scan of 1,000,000 rows for 0 hits, 139 ms; the
board at 10M: 1.1 s). A partial index on `registered_at WHERE bounce_pending IS TRUE` holds only
those.

`service_day_counts` (services/rollup.py) holds the cases per registration day and (class,
chosen service), folded by the area roll-up's job from the same day marks; the services hub's
"cases in the last 30 days" reads it instead of counting the month's cases. Back-filled here from
the cases in one INSERT ... SELECT ... GROUP BY (SQL of its own, frozen at this revision; the
earlier version called the job's code, one GROUP BY per day). With that earlier version, on the 1M-appeal PostgreSQL
history (a copy of minyi_reads_1m) at load 11 on 2 cores: `minyi db upgrade` 18 s with the
command's start-up; apart, the index 0.4 s and the back-fill 8.2 s (1,095 days, 5,475 rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "boards0001"
down_revision = "unitdefault0001"
branch_labels = None
depends_on = None

# cases/rules.py's CLOSED at this revision, and the district's day (cases/models.py DAY_ZONE; no
# summer time in China, so SQLite's fixed offset gives PostgreSQL's day): frozen here, as the
# migrations' README asks, so this back-fill does what it did when written.
CLOSED = ("replied", "rated", "archived", "declined")
DAY = {
    "postgresql": "CAST(registered_at AT TIME ZONE 'Asia/Shanghai' AS date)",
    "sqlite": "date(registered_at, '+8 hours')",
}


def upgrade() -> None:
    op.create_index(
        "ix_cases_bounce_pending_registered",
        "cases",
        ["registered_at"],
        postgresql_where=sa.text("bounce_pending IS TRUE"),
        sqlite_where=sa.text("bounce_pending IS 1"),
    )
    op.create_table(
        "service_day_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("class_name", sa.String(20), nullable=True),
        sa.Column("service", sa.String(20), nullable=True),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
    )
    op.create_index("ix_service_day_counts_day", "service_day_counts", ["day"])
    backfill(op.get_bind())


def backfill(bind: sa.Connection) -> None:
    """Every registration day folded, as services.rollup.rebuild_service_rollup leaves it (marks
    untouched: a marked day is read live until the job folds it again), in one pass."""
    day = DAY[bind.dialect.name]
    closed = ", ".join(f"'{s}'" for s in CLOSED)
    bind.execute(
        sa.text(
            "INSERT INTO service_day_counts (day, class_name, service, cases, closed) "  # noqa: S608 - constants of this file
            f"SELECT {day}, class_name, service, count(*), "
            f"sum(CASE WHEN status IN ({closed}) THEN 1 ELSE 0 END) FROM cases "
            f"GROUP BY {day}, class_name, service"
        )
    )


def downgrade() -> None:
    op.drop_index("ix_service_day_counts_day", table_name="service_day_counts")
    op.drop_table("service_day_counts")
    op.drop_index("ix_cases_bounce_pending_registered", table_name="cases")
