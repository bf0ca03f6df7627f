"""Converting a live PostgreSQL table into monthly partitions (ADR 0008): what the migrations
that partition a table share (partition0001: case_events, clock_firings; outboxpart0001:
outbox_messages).

1. `prepare` (on a connection of its own, committed as it goes) makes a partitioned copy
   `<table>_partitioned` with the old table's columns, defaults (its id sequence) and foreign
   keys, a partition per Beijing month from the oldest row's to AHEAD months after today and a
   DEFAULT one, fills it BATCH ids at a time while the application keeps writing the old table,
   then builds the primary key (id plus the partition column), the unique constraints
   (likewise) and the indexes on it.
2. `swap` (in the migration's transaction) locks the old table against writes (reads go on),
   lets the caller bring over rows changed since they were copied (`resync`), copies the rows
   written since, compares the counts, and gives the copy the old table's name, indexes,
   sequence and triggers.

Migrations import this module (the migrations' README says when a migration may import code):
it works from the database's catalogue, never from the models, so what it does to a table
does not change as the models do. Changing what a function here does changes every migration
that calls it: keep them as they behave, and add a new function for a new behaviour.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from minyi.core.partitions import AHEAD, Month, default_name, months_between

BATCH = 50_000
# Rows with ids this close below the last id seen when the copy began are copied again (a
# conflict skips them) under the lock: a transaction still open then may commit them later.
RECENT = 100_000
# How long the copy waits for a lock (of this run's own transaction, possibly) before it leaves
# the work to that transaction.
LOCK_WAIT = "10s"

log = logging.getLogger("alembic.runtime.migration")


def prepare_aside(
    bind: Connection,
    table: str,
    column: str,
    step: Callable[[Connection], int] | None = None,
) -> int | None:
    """Step 1 (or `step`, a migration's own that ends with it: outboxpart0001's) on a connection
    of its own, each statement committed as it ends, so the application goes on writing the old
    table meanwhile; None where it cannot be: the table was made in this same run (a new
    database: nothing to copy, the migration's transaction does it all in a moment), or a lock
    held by this run's transaction (an earlier migration that altered the table) is in the
    way."""
    with bind.engine.connect() as side:
        side = side.execution_options(isolation_level="AUTOCOMMIT")
        if not side.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}):
            return None
        side.execute(text(f"SET lock_timeout = '{LOCK_WAIT}'"))
        try:
            return prepare(side, table, column) if step is None else step(side)
        except OperationalError as e:
            log.warning("%s: copied in the migration's transaction instead (%s)", table, e.orig)
            side.execute(text(f"DROP TABLE IF EXISTS {table}_partitioned CASCADE"))
            return None
        finally:
            side.execute(text("RESET lock_timeout"))


def prepare(conn: Connection, table: str, column: str) -> int:
    """Step 1: the partitioned copy, filled, with its keys and indexes; returns the highest id
    when the copy began."""
    new = f"{table}_partitioned"
    conn.execute(text(f"DROP TABLE IF EXISTS {new} CASCADE"))
    conn.execute(
        text(f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS) PARTITION BY RANGE ({column})")
    )
    # Foreign keys while it is empty: checked row by row as the copy goes, instead of by one
    # scan at the end that would hold the referenced tables (cases) against writes meanwhile.
    for name, definition in constraints(conn, table, "f"):
        conn.execute(text(f"ALTER TABLE {new} ADD CONSTRAINT {name} {definition}"))
    oldest = conn.scalar(text(f"SELECT min({column}) FROM {table}"))  # noqa: S608 - names of our own tables
    now = datetime.now(UTC)
    last = Month.of(now)
    for _ in range(AHEAD):
        last = last.next()
    for month in months_between(Month.of(oldest) if oldest else Month.of(now), last):
        conn.execute(
            text(
                f"CREATE TABLE {month.name(table)} PARTITION OF {new} FOR VALUES "
                f"FROM ('{month.start.isoformat()}') TO ('{month.end.isoformat()}')"
            )
        )
    conn.execute(text(f"CREATE TABLE {default_name(table)} PARTITION OF {new} DEFAULT"))
    first_max = int(conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}")) or 0)  # noqa: S608 - names of our own tables
    low = 0
    while low < first_max:
        conn.execute(
            text(f"INSERT INTO {new} SELECT * FROM {table} WHERE id > :lo AND id <= :hi"),  # noqa: S608 - names of our own tables
            {"lo": low, "hi": low + BATCH},
        )
        low += BATCH
    # The keys and indexes after the rows: built once per partition, not kept up row by row.
    keys_and_indexes(conn, table, column)
    conn.execute(text(f"ANALYZE {new}"))
    return first_max


def keys_and_indexes(conn: Connection, table: str, column: str) -> None:
    """The old table's primary key and unique constraints (widened by the partition column) and
    its indexes on the copy, under a `_p` name until the swap; those it has already are left."""
    new = f"{table}_partitioned"
    made = {name for name, _ in constraints(conn, new, "pu")} | {
        name for name, _ in indexes(conn, new)
    }
    for name, definition in constraints(conn, table, "pu"):
        if f"{name}_p" not in made:
            widened = definition.replace(")", f", {column})", 1)
            conn.execute(text(f"ALTER TABLE {new} ADD CONSTRAINT {name}_p {widened}"))
    for name, definition in indexes(conn, table):
        if f"{name}_p" not in made:
            renamed = definition.replace(
                f"INDEX {name} ON public.{table} ", f"INDEX {name}_p ON {new} "
            )
            conn.execute(text(renamed))


def swap(
    conn: Connection,
    table: str,
    column: str,
    first_max: int,
    resync: Callable[[Connection], None] | None = None,
) -> None:
    """Step 2, in the migration's transaction: writers wait for it, readers do not. `resync`
    runs once the writers are held, before the new rows are copied: for a table whose rows
    change (the outbox), it brings over the rows changed since they were copied."""
    new = f"{table}_partitioned"
    conn.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
    # Anything this run's earlier migrations gave the table, which the other connection could
    # not see yet.
    keys_and_indexes(conn, table, column)
    if resync is not None:
        resync(conn)
    conn.execute(
        text(f"INSERT INTO {new} SELECT * FROM {table} WHERE id > :lo ON CONFLICT DO NOTHING"),  # noqa: S608 - names of our own tables
        {"lo": first_max - RECENT},
    )
    count = f"SELECT (SELECT count(*) FROM {table}) - (SELECT count(*) FROM {new})"  # noqa: S608 - names of our own tables
    if conn.scalar(text(count)):
        # A transaction older than the copy committed rows below that window: all of them again.
        conn.execute(text(f"INSERT INTO {new} SELECT * FROM {table} ON CONFLICT DO NOTHING"))  # noqa: S608 - names of our own tables
        if conn.scalar(text(count)):
            raise RuntimeError(f"{table}: the partitioned copy does not hold every row")
    kept_triggers = triggers(conn, table)
    keys = [name for name, _ in constraints(conn, table, "pu")]
    names = [name for name, _ in indexes(conn, table)]
    conn.execute(text(f"ALTER SEQUENCE IF EXISTS {table}_id_seq OWNED BY NONE"))
    conn.execute(text(f"DROP TABLE {table}"))
    conn.execute(text(f"ALTER TABLE {new} RENAME TO {table}"))
    for name in keys:
        conn.execute(text(f"ALTER TABLE {table} RENAME CONSTRAINT {name}_p TO {name}"))
    for name in names:
        conn.execute(text(f"ALTER INDEX {name}_p RENAME TO {name}"))
    take_sequence(conn, table)
    for definition in kept_triggers:
        conn.execute(text(definition))


def unpartition(conn: Connection, table: str, column: str) -> None:
    """Back to one plain table (a downgrade): the rows and their ids copied, the keys narrowed
    back, the indexes and triggers remade. In the caller's transaction, writes held throughout."""
    old = f"{table}_partitioned"
    kept_triggers = triggers(conn, table)
    conn.execute(text(f"ALTER TABLE {table} RENAME TO {old}"))
    conn.execute(text(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS)"))
    conn.execute(text(f"INSERT INTO {table} SELECT * FROM {old}"))  # noqa: S608 - names of our own tables
    take_sequence(conn, table)
    for name, definition in constraints(conn, old, "pfu"):
        conn.execute(text(f"ALTER TABLE {old} DROP CONSTRAINT {name}"))
        if name.startswith(("pk_", "uq_")):
            definition = definition.replace(f", {column})", ")")
        conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"))
    for name, definition in indexes(conn, old):
        conn.execute(text(f"DROP INDEX {name}"))
        conn.execute(text(definition.replace(f" ON ONLY public.{old} ", f" ON {table} ")))
    conn.execute(text(f"DROP TABLE {old} CASCADE"))
    for definition in kept_triggers:
        conn.execute(text(definition))


def take_sequence(conn: Connection, table: str) -> None:
    conn.execute(text(f"ALTER SEQUENCE IF EXISTS {table}_id_seq OWNED BY {table}.id"))


def constraints(conn: Connection, table: str, kinds: str) -> list[tuple[str, str]]:
    return [
        (r.conname, r.definition)
        for r in conn.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND conparentid = 0 "
                "AND position(contype IN :kinds) > 0 ORDER BY conname"
            ),
            {"t": table, "kinds": kinds},
        )
    ]


def indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    """The plain indexes (those behind a primary key or unique constraint come with it)."""
    return [
        (r.name, r.definition)
        for r in conn.execute(
            text(
                "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = CAST(:t AS regclass) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                "ORDER BY c.relname"
            ),
            {"t": table},
        )
    ]


def triggers(conn: Connection, table: str) -> list[str]:
    return [
        str(d)
        for d in conn.scalars(
            text(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal AND tgparentid = 0"
            ),
            {"t": table},
        )
    ]
