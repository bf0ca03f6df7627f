"""unit scope by status: case_units.case_status, back-filled, and the scope's status indexes

Revision ID: unitstatus0001
Revises: nextdue0001

A unit's lists under a status filter (the handler's open inbox and its count, the unit head's
board blocks) read every active case_units row of the unit and checked each case's status: they
grew with the unit's history (docs/scaling.md §3d). The case's status is now copied on its
case_units rows, kept by the one place it changes (cases.service._record, in the same
transaction), and indexed `(unit_id, case_status, case_id) WHERE is_active IS TRUE`, with
`cases (first_unit_id, status)` for the first-received branch of the scope.

The back-fill runs in batches of BATCH case_units rows by id. On PostgreSQL with LIVE_ROWS
cases or more each batch commits on its own and the indexes are built CONCURRENTLY in Alembic's
autocommit block, as keyset0001 and nextdue0001 do (a failed build leaves an INVALID index of
its name, which a rerun drops and builds again). NOT NULL is set through a CHECK constraint
added NOT VALID and validated (a scan that blocks no writer), which SET NOT NULL then trusts
without a scan of its own under its exclusive lock. The code that keeps the column ships with
this migration: a status changed by old code (web, worker still serving) after its rows' batch
leaves them stale, which `minyi db reconcile` repairs once the old writers are gone, and the
worker's `reconcile_derived` job in the background (sla/reconcile.py, docs/deployment.md §2); a
row inserted by old code during the back-fill has no status, so the NOT NULL step refuses (rerun
the migration); after it, old code's rows go in with the default unitdefault0001 gives the
column.

Timed on a copy of the 100,000-appeal bench history (`CREATE DATABASE … TEMPLATE
minyi_reads_100k`: 100,000 cases, 100,000 case_units rows), PostgreSQL, on the shared 2-core
machine at load 10: the revision took 8.4 s (back-fill 7.3 s, the NOT NULL steps 0.1 s, the two
concurrent index builds 0.5 s and 0.3 s, then ANALYZE); `bootstrap.migrate` with its connection
and Alembic's setup 9.7 s. The back-fill rewrites every case_units row once (a join to cases by
primary key), so a 10M history takes about a hundred times as long, while writes go on.
"""

from __future__ import annotations

import logging
import time
import warnings

import sqlalchemy as sa
from alembic import op

revision = "unitstatus0001"
down_revision = "nextdue0001"
branch_labels = None
depends_on = None

BATCH = 50_000
LIVE_ROWS = 50_000
log = logging.getLogger("alembic.runtime.migration")

# The partial index's predicate as the scope's filter writes it, per backend (cases.models).
ACTIVE = {"postgresql": "is_active IS TRUE", "sqlite": "is_active IS 1"}
# (table, name, columns, partial)
INDEXES = (
    ("case_units", "ix_case_units_unit_status_case", "unit_id, case_status, case_id", True),
    ("cases", "ix_cases_first_unit_status", "first_unit_id, status", False),
)
# A batch of case_units rows by id, given their case's status.
BACKFILL = (
    "UPDATE case_units SET case_status = cases.status FROM cases"
    " WHERE cases.id = case_units.case_id AND case_units.id > :low AND case_units.id <= :high"
)
BACKFILL_SQLITE = (
    "UPDATE case_units SET case_status = (SELECT status FROM cases"
    " WHERE cases.id = case_units.case_id) WHERE id > :low AND id <= :high"
)


def _create(table: str, name: str, columns: str, partial: bool, dialect: str, how: str) -> str:
    where = f" WHERE {ACTIVE[dialect]}" if partial else ""
    return f"CREATE INDEX {how}{name} ON {table} ({columns}){where}"


def upgrade() -> None:
    """8.4 s on the 100k bench history (see the module's docstring)."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("case_units", sa.Column("case_status", sa.String(20), nullable=True))
    if dialect != "postgresql" or _cases(bind) < LIVE_ROWS:
        _backfill(bind, BACKFILL if dialect == "postgresql" else BACKFILL_SQLITE)
        with warnings.catch_warnings():
            # SQLite rebuilds case_units, reflecting the tables its keys name: `cases` has
            # expression indexes reflection skips, with a warning. It is not rebuilt, so they
            # stay as they are.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            with op.batch_alter_table("case_units") as batch:
                batch.alter_column("case_status", existing_type=sa.String(20), nullable=False)
        for table, name, columns, partial in INDEXES:
            op.execute(sa.text(_create(table, name, columns, partial, dialect, "")))
        return
    # The new column committed first; then each batch commits on its own (writers wait for one
    # batch's rows, not the table's) and the indexes build without blocking writes.
    with op.get_context().autocommit_block():
        _backfill(bind, BACKFILL)
        started = time.perf_counter()
        op.execute(
            sa.text(
                "ALTER TABLE case_units ADD CONSTRAINT ck_case_units_case_status_set"
                " CHECK (case_status IS NOT NULL) NOT VALID"
            )
        )
        op.execute(
            sa.text("ALTER TABLE case_units VALIDATE CONSTRAINT ck_case_units_case_status_set")
        )
        op.execute(sa.text("ALTER TABLE case_units ALTER COLUMN case_status SET NOT NULL"))
        op.execute(sa.text("ALTER TABLE case_units DROP CONSTRAINT ck_case_units_case_status_set"))
        log.info("case_status NOT NULL in %.1f s", time.perf_counter() - started)
        for table, name, columns, partial in INDEXES:
            built = time.perf_counter()
            op.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
            op.execute(sa.text(_create(table, name, columns, partial, dialect, "CONCURRENTLY ")))
            log.info("built %s in %.1f s", name, time.perf_counter() - built)
        op.execute(sa.text("ANALYZE case_units"))
        op.execute(sa.text("ANALYZE cases"))


def _backfill(bind: sa.Connection, statement: str) -> None:
    started = time.perf_counter()
    top = int(bind.scalar(sa.text("SELECT max(id) FROM case_units")) or 0)
    for low in range(0, top + 1, BATCH):
        bind.execute(sa.text(statement), {"low": low, "high": low + BATCH})
    log.info("case_units.case_status back-filled in %.1f s", time.perf_counter() - started)


def _cases(bind: sa.Connection) -> int:
    # The planner's count: no scan of the table to decide how to index it.
    return int(bind.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'cases'")) or 0)


def downgrade() -> None:
    for table, name, _columns, _partial in INDEXES:
        op.drop_index(name, table_name=table)
    # A plain DROP COLUMN (SQLite has it since 3.35): batch mode would copy the table and drop
    # the old one, which SQLite refuses while other tables' rows reference it.
    op.drop_column("case_units", "case_status")
