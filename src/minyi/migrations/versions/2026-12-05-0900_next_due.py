"""urgency by column: cases.next_due_at, back-filled, and the unsettled cases' urgency indexes

Revision ID: nextdue0001
Revises: outboxpart0001

The urgency order of case lists (sla.queries.urgency_order) sorted by a correlated
`min(clocks.due_at)` per case: every open case's clocks were read before the first page. The
nearest due time of a case's running and breached clocks is now a column of the case, kept by
the clock writers (sla.service.refresh_next_due), and the unsettled cases are indexed in urgency
order (those open or replied and waiting for the rating, as the inbox's default list and the
boards read them): district-wide, by street and by community (cases.models).

The back-fill runs in batches of BATCH cases by id. On PostgreSQL with LIVE_ROWS cases or more
each batch commits on its own and the indexes are built CONCURRENTLY, in Alembic's autocommit
block, as keyset0001 explains (a failed build leaves an INVALID index of its name, which a rerun
drops and builds again). The code that keeps the column ships with this migration: a clock
changed by old code (web, worker still serving) after its case's batch leaves a stale value,
which `minyi db reconcile` repairs once the old writers are gone, and the worker's
`reconcile_derived` job in the background (sla/reconcile.py, docs/deployment.md §2).

Timed on a copy of the 100,000-appeal bench history (`CREATE DATABASE … TEMPLATE
minyi_reads_100k`: 100,000 cases, 9,792 clocks, 7,776 cases with a deadline), PostgreSQL, on the
shared 2-core machine at load 26: the revision took 4.2 s (back-fill 3.1 s, each of the three
concurrent index builds 0.3 s, then ANALYZE); `bootstrap.migrate` with its connection and
Alembic's setup 6.7 s. The back-fill is one pass over the cases by primary key with an index
probe of clocks each, so a 10M history takes about a hundred times as long, while writes go on.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from alembic import op

from minyi.cases.models import UNSETTLED_PREDICATE

revision = "nextdue0001"
down_revision = "outboxpart0001"
branch_labels = None
depends_on = None

BATCH = 20_000
LIVE_ROWS = 50_000
log = logging.getLogger("alembic.runtime.migration")

# The sort key as the models write it (cases.models.URGENCY_KEY), per backend: the index
# expression must be the query's expression exactly.
KEY = {
    "postgresql": "coalesce(next_due_at, '9999-12-31 00:00:00+00'::timestamptz)",
    "sqlite": "coalesce(next_due_at, '9999-12-31 00:00:00.000000')",
}
# (name, scope columns)
INDEXES = (
    ("ix_cases_unsettled_urgency", ()),
    ("ix_cases_street_unsettled_urgency", ("street_id",)),
    ("ix_cases_community_unsettled_urgency", ("community_id",)),
)
# A batch of cases by id: each one's nearest due time of its running and breached clocks
# (sla.service.refresh_next_due); cases without such a clock are left NULL, not rewritten.
BACKFILL = (
    "UPDATE cases SET next_due_at = (SELECT min(clocks.due_at) FROM clocks"
    " WHERE clocks.subject = 'case' AND clocks.subject_id = cases.id"
    " AND clocks.state IN ('running', 'breached'))"
    " WHERE id > :low AND id <= :high AND EXISTS (SELECT 1 FROM clocks"
    " WHERE clocks.subject = 'case' AND clocks.subject_id = cases.id"
    " AND clocks.state IN ('running', 'breached'))"
)


def _create(name: str, scope: tuple[str, ...], dialect: str, concurrently: bool) -> str:
    columns = ", ".join((*scope, KEY[dialect], "registered_at DESC", "id DESC"))
    how = "CONCURRENTLY " if concurrently else ""
    return f"CREATE INDEX {how}{name} ON cases ({columns}) WHERE {UNSETTLED_PREDICATE}"


def upgrade() -> None:
    """4.2 s on the 100k bench history (see the module's docstring)."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("cases", sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True))
    if dialect != "postgresql" or _cases(bind) < LIVE_ROWS:
        _backfill(bind)
        for name, scope in INDEXES:
            op.execute(sa.text(_create(name, scope, dialect, concurrently=False)))
        return
    # The new column committed first; then each batch commits on its own (writers wait for one
    # batch's rows, not the table's) and the indexes build without blocking writes.
    with op.get_context().autocommit_block():
        _backfill(bind)
        for name, scope in INDEXES:
            built = time.perf_counter()
            op.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
            op.execute(sa.text(_create(name, scope, dialect, concurrently=True)))
            log.info("built %s in %.1f s", name, time.perf_counter() - built)
        op.execute(sa.text("ANALYZE cases"))


def _backfill(bind: sa.Connection) -> None:
    started = time.perf_counter()
    top = int(bind.scalar(sa.text("SELECT max(subject_id) FROM clocks")) or 0)
    for low in range(0, top + 1, BATCH):
        bind.execute(sa.text(BACKFILL), {"low": low, "high": low + BATCH})
    log.info("next_due_at back-filled in %.1f s", time.perf_counter() - started)


def _cases(bind: sa.Connection) -> int:
    # The planner's count: no scan of the table to decide how to index it.
    return int(bind.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'cases'")) or 0)


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="cases")
    # A plain DROP COLUMN (SQLite has it since 3.35): batch mode would copy the table and drop
    # the old one, which SQLite refuses while other tables' rows reference it.
    op.drop_column("cases", "next_due_at")
