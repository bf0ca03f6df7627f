"""keyset lists: indexes that match each role's scope, built without blocking writes

Revision ID: keyset0001
Revises: partition0001

Case lists page by cursor (core.paging) and count no further than a cap, so what is left to
make a scoped list read only its rows is an index per scope: a unit's staff (its active case
units, read from the index alone, and the cases it first received), an area's staff (street,
community and grid, each in registration order), the open cases (a partial index: the unit
lists, the area board, the backlog) and the overdue ones (partial, `IS TRUE` as the filter is
written). The scope index on case_units replaces the narrower (unit_id, is_active).

On PostgreSQL, on a database holding many cases (LIVE_ROWS or more), each index is built
CONCURRENTLY so that a live database keeps taking appeals while it builds, in Alembic's
autocommit block: the migrations' transaction (bootstrap.migrate leaves it to Alembic) is
committed first, since a CONCURRENTLY build waits for every older transaction holding a lock on
its table, its own migrations' included. A build that failed part way leaves an INVALID index of
its name, which a rerun drops and builds again. A small or new database builds plainly, in the
migration's transaction. Timings: see `upgrade`.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from alembic import op

from minyi.cases.models import OPEN_PREDICATE

revision = "keyset0001"
down_revision = "partition0001"
branch_labels = None
depends_on = None

# (name, table, columns, partial predicate on PostgreSQL, on SQLite)
INDEXES: list[tuple[str, str, list[str], str | None, str | None]] = [
    (
        "ix_case_units_unit_active_case",
        "case_units",
        ["unit_id", "is_active", "case_id"],
        None,
        None,
    ),
    ("ix_cases_first_unit_registered", "cases", ["first_unit_id", "registered_at"], None, None),
    ("ix_cases_street_registered", "cases", ["street_id", "registered_at"], None, None),
    ("ix_cases_community_registered", "cases", ["community_id", "registered_at"], None, None),
    ("ix_cases_grid_registered", "cases", ["grid_id", "registered_at"], None, None),
    ("ix_cases_open_registered", "cases", ["registered_at", "id"], OPEN_PREDICATE, OPEN_PREDICATE),
    (
        "ix_cases_overdue_registered",
        "cases",
        ["registered_at"],
        "is_overdue IS TRUE",
        "is_overdue IS 1",
    ),
]
# From this many cases (the planner's count) the indexes are built CONCURRENTLY.
LIVE_ROWS = 50_000
log = logging.getLogger("alembic.runtime.migration")
REPLACED = ("ix_case_units_unit_active", "case_units", ["unit_id", "is_active"])


def upgrade() -> None:
    """Measured on the 100,000-appeal bench history (90,000 cases) on PostgreSQL 15, on a shared
    2-core machine at load 15-19: see the report in the commit; a million cases take about ten
    times as long, during which writes go on."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or _cases(bind) < LIVE_ROWS:
        for name, table, columns, where, lite in INDEXES:
            op.create_index(
                name,
                table,
                columns,
                postgresql_where=sa.text(where) if where else None,
                sqlite_where=sa.text(lite) if lite else None,
            )
        op.drop_index(REPLACED[0], table_name=REPLACED[1])
        return
    # Outside the migrations' transaction (committed first): a CONCURRENTLY build waits for every
    # older transaction that holds a lock on its table, and the migrations' own would be one (an
    # earlier revision of the same run, partition0001, takes locks on cases), which never ends.
    with op.get_context().autocommit_block():
        for name, table, columns, where, _ in INDEXES:
            started = time.perf_counter()
            # A build that failed part way leaves an INVALID index of this name: start again.
            op.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
            predicate = f" WHERE {where}" if where else ""
            op.execute(
                sa.text(
                    f"CREATE INDEX CONCURRENTLY {name} ON {table} ({', '.join(columns)}){predicate}"
                )
            )
            log.info("built %s in %.1f s", name, time.perf_counter() - started)
        op.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {REPLACED[0]}"))


def _cases(bind: sa.Connection) -> int:
    # The planner's count: no scan of the table to decide how to index it.
    return int(bind.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'cases'")) or 0)


def downgrade() -> None:
    op.create_index(REPLACED[0], REPLACED[1], REPLACED[2])
    for name, table, *_ in INDEXES:
        op.drop_index(name, table_name=table)
