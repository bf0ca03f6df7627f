"""a rare word's candidates sorted from an index alone: cases (id, registered_at)

Revision ID: caseidreg0001
Revises: unitdue0001

A rare word's page sorts its candidates newest first from `cases` before re-checking them
(cases.queries._recheck_candidates): by the primary key each candidate costs its index's path
and a heap page, four buffers, 68,000 for the 17,200 candidates of 桂花 at 10M (285 ms, most of
the read). With `registered_at` beside the key the sort is an index-only scan (after a VACUUM
has marked the pages all-visible, as autovacuum does): three buffers each and no heap page.
Measured on a copy of the 1M bench history (1,720 candidates): 6,830 buffers (2,959 read) →
5,161 (1,394 read), 60 → 21 ms cold, 12.4 → 7.7 ms warm (docs/scaling.md §3x).

Built in 0.6 s at 1M (30 MB) on the shared 2-core machine at load 14; a 10M history builds
about ten times that (300 MB). On PostgreSQL with LIVE_ROWS cases or more it is built
CONCURRENTLY in Alembic's autocommit block, as unitdue0001's indexes are (a failed build leaves
an INVALID index of its name, which a rerun drops and builds again).
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from alembic import op

revision = "caseidreg0001"
down_revision = "unitdue0001"
branch_labels = None
depends_on = None

NAME = "ix_cases_id_registered_at"
LIVE_ROWS = 50_000
log = logging.getLogger("alembic.runtime.migration")


def _create(how: str) -> str:
    return f"CREATE INDEX {how}{NAME} ON cases (id, registered_at)"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or _cases(bind) < LIVE_ROWS:
        op.execute(sa.text(_create("")))
        return
    # Built without blocking the writers of cases.
    with op.get_context().autocommit_block():
        started = time.perf_counter()
        op.execute(sa.text(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}"))
        op.execute(sa.text(_create("CONCURRENTLY ")))
        log.info("built %s in %.1f s", NAME, time.perf_counter() - started)


def _cases(bind: sa.Connection) -> int:
    # The planner's count: no scan of the table to decide how to index it.
    return int(bind.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'cases'")) or 0)


def downgrade() -> None:
    op.drop_index(NAME, table_name="cases")
