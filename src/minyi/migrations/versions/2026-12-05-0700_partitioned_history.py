"""history partitioned by month on PostgreSQL: case_events (at), clock_firings (fired_at)

Revision ID: partition0001
Revises: ftsearch0001

ADR 0008. SQLite: nothing (one plain table). PostgreSQL, for each table, without holding a lock
that stops the application for longer than the last seconds:

1. (on a connection of its own, committed as it goes) a partitioned copy `<table>_partitioned`
   is made with the old table's columns, defaults (its id sequence) and foreign keys, a
   partition per Beijing month
   from the oldest row's to AHEAD months after today, and a DEFAULT one; the rows are copied
   50,000 ids at a time, each batch its own transaction, while the application keeps reading
   and writing the old table; then the primary key (id plus the partition column), the unique
   constraints (likewise) and the indexes are built on the copy.
2. (one short transaction, for every table at the end) the old table is locked against writes (reads go on), the rows
   written since its batch was copied are copied, the counts are compared, the old table is
   dropped, the copy takes its name, its indexes their names, the sequence its owner, and the
   old table's triggers (case_events' append-only guard) are made on it.

A failure in step 1 leaves only `<table>_partitioned`, which the next attempt drops first.
The two steps live in core/partition_copy.py (outboxpart0001 uses them too).
Measured (shared 2-core machine): see ADR 0008.
"""

from __future__ import annotations

import logging
import time

from alembic import op

from minyi.core.partition_copy import prepare, prepare_aside, swap, unpartition

revision = "partition0001"
down_revision = "ftsearch0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

TABLES = {"case_events": "at", "clock_firings": "fired_at"}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    started = time.perf_counter()
    first_max = {}
    for table, column in TABLES.items():
        aside = prepare_aside(bind, table, column)
        first_max[table] = prepare(bind, table, column) if aside is None else aside
    # Every swap at the end: a table swapped holds its writers until the migration's
    # transaction commits, so nothing slow may come after the first one.
    locked = time.perf_counter()
    for table, column in TABLES.items():
        swap(bind, table, column, first_max[table])
    done = time.perf_counter()
    log.info(
        "%s partitioned in %.1f s, of which %.1f s with writes held",
        ", ".join(TABLES),
        done - started,
        done - locked,
    )


def downgrade() -> None:
    # Back to one table: the rows (and their ids) are copied into a plain table. In one
    # transaction: a downgrade is an emergency, not a routine.
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in TABLES.items():
        unpartition(op.get_bind(), table, column)
