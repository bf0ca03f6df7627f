"""Monthly range partitions on PostgreSQL for the tables that only grow (ADR 0008).

A model declares itself partitioned with `monthly("at")` in its `__table_args__`: on PostgreSQL
the table is `PARTITION BY RANGE (at)`, one partition per Beijing month (`case_events_p2026_12`)
and a DEFAULT partition that takes whatever falls outside them, so an insert never fails. SQLite
ignores all of it and keeps one plain table.

PostgreSQL wants the partition column in every primary key and unique constraint of a
partitioned table; the models keep their one-column primary key (the ORM's identity, so
`session.get(Model, id)` and every foreign key column stay as they were) and the DDL compiled
for PostgreSQL adds the partition column (`_with_partition_key`). Ids stay unique: they come
from one sequence.

`keep_ahead` (a worker job, registered by notify) creates the coming months' partitions before
they are needed: idempotent, and cheap (an empty table attached under a short lock timeout; a
busy table is tried again on the next run). Should rows ever have reached the DEFAULT partition
for a month, creating that month moves them into it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, PrimaryKeyConstraint, Table, UniqueConstraint, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler

from minyi.core.db import Base
from minyi.core.registry import JobContext

log = logging.getLogger(__name__)

# Months are Beijing months: a month's report reads one partition.
BEIJING = timezone(timedelta(hours=8))
# How many months after the current one the job keeps ready.
AHEAD = 3
# How long the job waits for a lock on a busy table before leaving it to the next run.
LOCK_TIMEOUT = "2s"


def monthly(column: str) -> dict[str, Any]:
    """`__table_args__` options for a table range-partitioned by month on `column`."""
    return {"postgresql_partition_by": f"RANGE ({column})", "info": {"partition_by": column}}


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, at: datetime) -> Month:
        local = at.astimezone(BEIJING)
        return cls(local.year, local.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=BEIJING)

    @property
    def end(self) -> datetime:
        return self.next().start

    def name(self, table: str) -> str:
        return f"{table}_p{self.year:04d}_{self.month:02d}"


def months_between(first: Month, last: Month) -> list[Month]:
    out, month = [], first
    while (month.year, month.month) <= (last.year, last.month):
        out.append(month)
        month = month.next()
    return out


def partitioned_tables() -> dict[str, str]:
    """Each partitioned table's name and its partition column, from the models' metadata."""
    return {
        name: str(table.info["partition_by"])
        for name, table in Base.metadata.tables.items()
        if "partition_by" in table.info
    }


def default_name(table: str) -> str:
    return f"{table}_default"


def _literal(at: datetime) -> str:
    return f"'{at.isoformat()}'"


def _exists(conn: Connection, name: str) -> bool:
    return conn.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}) is True


def ensure_default(conn: Connection, table: str) -> bool:
    """The DEFAULT partition of `table`; True if it was created now."""
    if _exists(conn, default_name(table)):
        return False
    conn.execute(text(f"CREATE TABLE {default_name(table)} PARTITION OF {table} DEFAULT"))
    return True


def ensure_month(conn: Connection, table: str, column: str, month: Month) -> bool:
    """`month`'s partition of `table`; True if it was created now. Made empty and attached,
    which locks the parent only against other DDL (ATTACH takes SHARE UPDATE EXCLUSIVE), not
    against reads and writes; CREATE TABLE … PARTITION OF would lock it whole."""
    name = month.name(table)
    if _exists(conn, name):
        return False
    bounds = f"FROM ({_literal(month.start)}) TO ({_literal(month.end)})"
    default = default_name(table)
    strays = _exists(conn, default) and conn.scalar(
        text(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {column} >= :lo AND {column} < :hi)"),  # noqa: S608 - names of our own tables
        {"lo": month.start, "hi": month.end},
    )
    if strays:
        _rehome_default(conn, table, name, bounds)
        return True
    conn.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)"))
    conn.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES {bounds}"))
    return True


def _rehome_default(conn: Connection, table: str, name: str, bounds: str) -> None:
    """Rows of a month without a partition went to DEFAULT, and the month's partition cannot be
    attached over them: swap in an empty DEFAULT and put the old one's rows back through the
    parent, which routes them. Rows are moved, never deleted one by one (case_events refuses
    DELETE), so the old DEFAULT is dropped whole."""
    default = default_name(table)
    old = f"{default}_old"
    conn.execute(text(f"ALTER TABLE {table} DETACH PARTITION {default}"))
    conn.execute(text(f"ALTER TABLE {default} RENAME TO {old}"))
    conn.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES {bounds}"))
    conn.execute(text(f"CREATE TABLE {default} PARTITION OF {table} DEFAULT"))
    conn.execute(text(f"INSERT INTO {table} SELECT * FROM {old}"))  # noqa: S608 - names of our own tables
    conn.execute(text(f"DROP TABLE {old}"))
    log.warning("%s: rows in the default partition moved to %s", table, name)


def ensure_partitions(conn: Connection, now: datetime, ahead: int = AHEAD) -> list[str]:
    """Every partitioned table's DEFAULT partition and its months from the current one to
    `ahead` months after; returns the partitions created (none when they all exist)."""
    if conn.dialect.name != "postgresql":
        return []
    current = Month.of(now)
    last = current
    for _ in range(ahead):
        last = last.next()
    created = []
    for table, column in partitioned_tables().items():
        if ensure_default(conn, table):
            created.append(default_name(table))
        for month in months_between(current, last):
            if ensure_month(conn, table, column, month):
                created.append(month.name(table))
    return created


def keep_ahead(ctx: JobContext) -> int:
    """The worker job: next months' partitions, made before anything is written to them. A lock
    not had within LOCK_TIMEOUT (a long query on the table) leaves the job to its next run,
    months before the partition is needed; returns 0 so it is never re-run at once."""
    session = ctx.session
    if session.get_bind().dialect.name != "postgresql":
        return 0
    try:
        with session.begin_nested():
            conn = session.connection()
            conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            created = ensure_partitions(conn, ctx.now)
    except OperationalError as e:
        log.warning("partitions: not made this run (%s); tried again next run", e.orig)
        return 0
    if created:
        log.info("partitions created: %s", ", ".join(created))
    return 0


@compiles(PrimaryKeyConstraint, "postgresql")
def _primary_key(constraint: PrimaryKeyConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    return _widened(constraint, compiler.visit_primary_key_constraint(constraint, **kw), compiler)


@compiles(UniqueConstraint, "postgresql")
def _unique(constraint: UniqueConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    return _widened(constraint, compiler.visit_unique_constraint(constraint, **kw), compiler)


def _widened(
    constraint: PrimaryKeyConstraint | UniqueConstraint, ddl: str, compiler: DDLCompiler
) -> str:
    """The constraint as PostgreSQL would write it, with the partition column added on a
    partitioned table (PostgreSQL refuses a primary key or unique constraint without it)."""
    table = constraint.table if isinstance(constraint.table, Table) else None
    column = table.info.get("partition_by") if table is not None else None
    if not column or not ddl or column in constraint.columns:
        return ddl
    head, _, tail = ddl.rpartition(")")
    return f"{head}, {compiler.preparer.quote(column)}){tail}"


@event.listens_for(Table, "after_create")
def _default_partition(table: Table, connection: Connection, **_: Any) -> None:
    # A table made from the models (not by the migrations) takes inserts at once; the job then
    # adds the months.
    if connection.dialect.name == "postgresql" and "partition_by" in table.info:
        ensure_default(connection, table.name)


def is_partition(name: str) -> bool:
    """Whether `name` is one of the partitions (a month's or DEFAULT) of a partitioned table:
    what a schema comparison with the models leaves out, as no model describes them."""
    return any(
        name == default_name(table) or (name.startswith(f"{table}_p") and name[-7:-3].isdigit())
        for table in partitioned_tables()
    )
