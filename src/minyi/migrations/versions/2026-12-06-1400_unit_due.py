"""unit urgency by index: case_units.next_due_at and registered_at, back-filled, and the indexes

Revision ID: unitdue0001
Revises: unitrollup0001

A unit's lists in urgency order (the handler's open inbox, the unit head's board blocks) filtered
by the unit's case_units rows and sorted by the case's `next_due_at`, which no index on
case_units held: the database gathered every open case of the unit and sorted them before
taking the page (1.4-2.8 s at 10M, docs/scaling.md §3f). The urgency key is now copied on the
case's rows: `next_due_at`, kept by its one writer (sla.service.refresh_next_due, through
cases.service.copy_next_due, in the same transaction) and copied by new rows, and
`registered_at`, which never changes. Indexed per (unit, status) in urgency order over the
active rows of unsettled cases, with the twin on `cases` for the first-received branch (only
cases that have a first unit), so a unit's list merges one ordered range per status and stops
at the page (cases.queries.unit_walk).

The back-fill is one `UPDATE … FROM cases` per batch of BATCH case_units rows by id. On
PostgreSQL with LIVE_ROWS cases or more each batch commits on its own and the indexes are
built CONCURRENTLY in Alembic's autocommit block, as unitstatus0001 does (a failed build leaves
an INVALID index of its name, which a rerun drops and builds again); `registered_at` is set NOT
NULL through a CHECK constraint added NOT VALID and validated. The code that keeps the columns
ships with this migration: stop the old writers (web, worker) before upgrading (docs/deployment.md
§2): a row inserted by old code has no `registered_at`, which no default can give, so its insert
is refused; a clock changed by old code leaves its rows' copy stale, which `minyi db reconcile`
repairs (sla/reconcile.py).

Timed on a copy of the 1M bench history (`CREATE DATABASE … TEMPLATE minyi_reads_1m`:
1,000,000 cases and case_units rows), PostgreSQL, on the shared 2-core machine at load 11 beside
a 10M build: `minyi db upgrade` took 1 min 47 s (docs/scaling.md §3k). The back-fill rewrites
every case_units row once (a join to cases by primary key), so a 10M history takes about ten
times as long, and a `VACUUM` of case_units afterwards (as autovacuum would) lets the unit
lists' counts read their index alone again.
"""

from __future__ import annotations

import logging
import time
import warnings

import sqlalchemy as sa
from alembic import op

revision = "unitdue0001"
down_revision = "unitrollup0001"
branch_labels = None
depends_on = None

# cases/models.py's predicates of the two partial indexes, frozen at this revision (a migration
# imports no domain code: src/minyi/migrations/README.md); the models' indexes must match them.
UNSETTLED = "('registered', 'accepted', 'dispatched', 'signed_for', 'in_progress', 'reply_pending', 'replied')"
UNIT_UNSETTLED_PREDICATE = f"case_status IN {UNSETTLED}"
FIRST_UNIT_PREDICATE = f"first_unit_id IS NOT NULL AND status IN {UNSETTLED}"

BATCH = 200_000
LIVE_ROWS = 50_000
log = logging.getLogger("alembic.runtime.migration")

# The sort key as the models write it (cases.models.URGENCY_KEY, UNIT_URGENCY_KEY), per backend:
# the index expression must be the query's expression exactly.
KEY = {
    "postgresql": "coalesce(next_due_at, '9999-12-31 00:00:00+00'::timestamptz)",
    "sqlite": "coalesce(next_due_at, '9999-12-31 00:00:00.000000')",
}
ACTIVE = {"postgresql": "is_active IS TRUE", "sqlite": "is_active IS 1"}
# (table, name, leading columns, tie-breaking id)
INDEXES = (
    ("case_units", "ix_case_units_unit_unsettled_urgency", "unit_id, case_status", "case_id"),
    ("cases", "ix_cases_first_unit_unsettled_urgency", "first_unit_id, status", "id"),
)
# A batch of case_units rows by id, given their case's key.
BACKFILL = (
    "UPDATE case_units SET next_due_at = cases.next_due_at, registered_at = cases.registered_at"
    " FROM cases WHERE cases.id = case_units.case_id"
    " AND case_units.id > :low AND case_units.id <= :high"
)
BACKFILL_SQLITE = (
    "UPDATE case_units SET next_due_at = (SELECT next_due_at FROM cases"
    " WHERE cases.id = case_units.case_id), registered_at = (SELECT registered_at FROM cases"
    " WHERE cases.id = case_units.case_id) WHERE id > :low AND id <= :high"
)


def _create(table: str, name: str, lead: str, tie: str, dialect: str, how: str) -> str:
    where = (
        f"{ACTIVE[dialect]} AND {UNIT_UNSETTLED_PREDICATE}"
        if table == "case_units"
        else FIRST_UNIT_PREDICATE
    )
    columns = f"{lead}, {KEY[dialect]}, registered_at DESC, {tie} DESC"
    return f"CREATE INDEX {how}{name} ON {table} ({columns}) WHERE {where}"


def upgrade() -> None:
    """1 min 47 s on the 1M bench history (see the module's docstring)."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("case_units", sa.Column("next_due_at", sa.DateTime(timezone=True)))
    op.add_column("case_units", sa.Column("registered_at", sa.DateTime(timezone=True)))
    if dialect != "postgresql" or _cases(bind) < LIVE_ROWS:
        _backfill(bind, BACKFILL if dialect == "postgresql" else BACKFILL_SQLITE)
        with warnings.catch_warnings():
            # SQLite rebuilds case_units, reflecting the tables its keys name: `cases` has
            # expression indexes reflection skips, with a warning. It is not rebuilt, so they
            # stay as they are.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            with op.batch_alter_table("case_units") as batch:
                batch.alter_column(
                    "registered_at", existing_type=sa.DateTime(timezone=True), nullable=False
                )
        for table, name, lead, tie in INDEXES:
            op.execute(sa.text(_create(table, name, lead, tie, dialect, "")))
        return
    # The new columns committed first; then each batch commits on its own (writers wait for one
    # batch's rows, not the table's) and the indexes build without blocking writes.
    with op.get_context().autocommit_block():
        _backfill(bind, BACKFILL)
        started = time.perf_counter()
        op.execute(
            sa.text(
                "ALTER TABLE case_units ADD CONSTRAINT ck_case_units_registered_at_set"
                " CHECK (registered_at IS NOT NULL) NOT VALID"
            )
        )
        op.execute(
            sa.text("ALTER TABLE case_units VALIDATE CONSTRAINT ck_case_units_registered_at_set")
        )
        op.execute(sa.text("ALTER TABLE case_units ALTER COLUMN registered_at SET NOT NULL"))
        op.execute(
            sa.text("ALTER TABLE case_units DROP CONSTRAINT ck_case_units_registered_at_set")
        )
        log.info("registered_at NOT NULL in %.1f s", time.perf_counter() - started)
        for table, name, lead, tie in INDEXES:
            built = time.perf_counter()
            op.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
            op.execute(sa.text(_create(table, name, lead, tie, dialect, "CONCURRENTLY ")))
            log.info("built %s in %.1f s", name, time.perf_counter() - built)
        op.execute(sa.text("ANALYZE case_units"))


def _backfill(bind: sa.Connection, statement: str) -> None:
    started = time.perf_counter()
    top = int(bind.scalar(sa.text("SELECT max(id) FROM case_units")) or 0)
    for low in range(0, top + 1, BATCH):
        bind.execute(sa.text(statement), {"low": low, "high": low + BATCH})
    log.info("case_units urgency key back-filled in %.1f s", time.perf_counter() - started)


def _cases(bind: sa.Connection) -> int:
    # The planner's count: no scan of the table to decide how to index it.
    return int(bind.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'cases'")) or 0)


def downgrade() -> None:
    for table, name, _lead, _tie in INDEXES:
        op.drop_index(name, table_name=table)
    # A plain DROP COLUMN (SQLite has it since 3.35): batch mode would copy the table and drop
    # the old one, which SQLite refuses while other tables' rows reference it.
    op.drop_column("case_units", "registered_at")
    op.drop_column("case_units", "next_due_at")
