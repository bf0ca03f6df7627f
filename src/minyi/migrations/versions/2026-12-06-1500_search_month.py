"""search by month windows: each case's registration month as a term of its search index row

Revision ID: searchmonth0001
Revises: unitdue0001

A rare word's first page read every candidate the index named (17,200 heap pages of
`case_search` for 桂花 at 10M, docs/scaling.md §3j) before taking the newest 20. Each PostgreSQL
`case_search` row now also holds the term of its case's registration month (`_m202611`: UTC,
in both tsvector columns; the `_` is one no text or query term holds, `cases.search_terms`), so
the index intersects a word with a few months and the read costs those months' candidates
(`cases.queries._recheck_windows`, docs/scaling.md §3p). New rows get the term from the code
that writes them (`cases.search.index_docs`), which ships with this migration; stop the old
writers (web, worker) before upgrading: a case indexed by old code after the back-fill has no
month term, and a rare word's windowed read would miss it. The back-fill skips the rows that
have the term, so an interrupted upgrade run again rewrites only the rest.

The back-fill is one `UPDATE … FROM cases` per batch of BATCH case ids; on PostgreSQL with
LIVE_ROWS cases or more, each batch commits on its own (writers wait for a batch, not the
table). SQLite has no month terms (its FTS5 index is read at once): nothing to do.

Timed on a copy of the 1M bench history (`CREATE DATABASE … TEMPLATE minyi_reads_1m`,
1,000,000 `case_search` rows) on the shared 2-core machine: see `upgrade`. Every row is
rewritten once, so the table's heap doubles until a `VACUUM` (autovacuum's, or run one: the
search reads fewer dead rows' pages after it).
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from alembic import op

revision = "searchmonth0001"
down_revision = "unitdue0001"
branch_labels = None
depends_on = None

BATCH = 100_000
LIVE_ROWS = 50_000
log = logging.getLogger("alembic.runtime.migration")

# cases.search_terms.month_term in SQL, frozen at this revision (a migration imports no domain
# code: src/minyi/migrations/README.md), of the case row `c`.
MONTH = "'_m' || to_char(c.registered_at AT TIME ZONE 'UTC', 'YYYYMM')"
# A batch of case_search rows by case id: the month term added to both columns, where missing
# (a rerun after an interrupted upgrade rewrites only the rows not done).
BACKFILL = (
    "UPDATE case_search AS s"  # noqa: S608 - constants
    f" SET terms = s.terms || array_to_tsvector(ARRAY[{MONTH}]),"
    f" private_terms = s.private_terms || array_to_tsvector(ARRAY[{MONTH}])"
    " FROM cases AS c WHERE c.id = s.case_id AND s.case_id > :low AND s.case_id <= :high"
    f" AND NOT s.terms @@ CAST(quote_literal({MONTH}) AS tsquery)"
)
# The month terms taken out again (downgrade): every term with the month's mark.
REMOVE = (
    "UPDATE case_search AS s"
    " SET terms = ts_delete(s.terms, ARRAY(SELECT t FROM unnest(tsvector_to_array(s.terms)) AS t"
    " WHERE t LIKE '\\_m%')),"
    " private_terms = ts_delete(s.private_terms,"
    " ARRAY(SELECT t FROM unnest(tsvector_to_array(s.private_terms)) AS t WHERE t LIKE '\\_m%'))"
    " WHERE s.case_id > :low AND s.case_id <= :high"
)


def upgrade() -> None:
    """`minyi db upgrade` from unitdue0001 on a fresh copy of the 1M bench history: 36 s
    (load 6; one UPDATE of every row took 28 s), 7.5 s run again over rows that have the term;
    5 s on the 100k (docs/scaling.md §3p)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if _cases(bind) < LIVE_ROWS:
        _batches(bind, BACKFILL)
        return
    with op.get_context().autocommit_block():
        _batches(bind, BACKFILL)
        op.execute(sa.text("ANALYZE case_search"))


def _batches(bind: sa.Connection, statement: str) -> None:
    started = time.perf_counter()
    top = int(bind.scalar(sa.text("SELECT max(case_id) FROM case_search")) or 0)
    for low in range(0, top + 1, BATCH):
        bind.execute(sa.text(statement), {"low": low, "high": low + BATCH})
    log.info("case_search month terms done in %.1f s", time.perf_counter() - started)


def _cases(bind: sa.Connection) -> int:
    # The planner's count: no scan of the table to decide how to back-fill it.
    return int(bind.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'cases'")) or 0)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _batches(bind, REMOVE)
