"""`minyi bench reads --copies K`: a history K times as large, copied in SQL (PostgreSQL or SQLite).

The generator (bench/analytics._fill) writes a few hundred appeals a second on a busy 2-core
machine: a million takes hours. Copying the history it built K-1 more times in SQL takes
minutes and gives the same shape the earlier 100k -> 1M study had: the same days, K times the
daily volume, every copy with fresh ids, tracking numbers and external ids, its units, events,
clocks, bounces and search-index rows. The texts repeat (the generator's are templates anyway)
and each caller's phone number calls K times as often.

On SQLite the search index is an FTS5 table (rowid = case id) rather than a side table with a
`case_id` column: its rows are copied by rowid.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from minyi.core.db import Database

# A copy's tracking number: the day's prefix and the new id, seven digits at least (wider past
# 9,999,999: a fixed width of seven made the 10,000,000th case repeat the 1,000,000th's).
# SQLite's printf('%07d') pads to seven and widens past it by itself.
TRACKING_NO = {
    "postgresql": "left(tracking_no, 9)"
    " || lpad((id + :off)::text, greatest(7, length((id + :off)::text)), '0')",
    "sqlite": "substr(tracking_no, 1, 9) || printf('%07d', id + :off)",
}
# Per table: the columns whose value a copy changes, as SQL over the source row and :off (the
# copy's id offset). Every other column is copied as it is; a serial `id` is left to its sequence.
CHANGED: dict[str, dict[str, str]] = {
    "appeals": {
        "id": "id + :off",
        "tracking_no": "{tracking_no}",
        "external_id": "'b' || (id + :off)",
    },
    "cases": {
        "id": "id + :off",
        "appeal_id": "appeal_id + :off",
        "tracking_no": "{tracking_no}",
    },
    "case_units": {"case_id": "case_id + :off"},
    "case_events": {"case_id": "case_id + :off"},
    "clocks": {"case_id": "case_id + :off", "subject_id": "subject_id + :off"},
    "bounces": {"case_id": "case_id + :off"},
    # Its terms as they are: the month term (cases.search_terms.month_term) too, since a copy
    # keeps its case's registered_at.
    "case_search": {"case_id": "case_id + :off"},
}
SERIAL = frozenset({"case_units", "case_events", "clocks", "bounces"})
KEY = {"appeals": "id", "cases": "id", "clocks": "case_id"}


def _statements(dialect: str, columns: dict[str, list[str]]) -> list[str]:
    """The INSERT ... SELECT of each table for one copy (parameters :off and :last)."""
    statements = []
    for table, changed in CHANGED.items():
        if table == "case_search" and dialect == "sqlite":
            # The FTS5 table: its rowid is the case id.
            statements.append(
                f"INSERT INTO {table} (rowid, terms, private_terms)"
                f" SELECT rowid + :off, terms, private_terms FROM {table} WHERE rowid <= :last"
            )
            continue
        names = [c for c in columns[table] if not (table in SERIAL and c == "id")]
        values = [changed.get(c, c).format(tracking_no=TRACKING_NO[dialect]) for c in names]
        key = KEY.get(table, "case_id")
        statements.append(
            f"INSERT INTO {table} ({', '.join(names)})"
            f" SELECT {', '.join(values)} FROM {table} WHERE {key} <= :last"
        )
    return statements


def copy_history(db: Database, copies: int, step: Callable[[int], None]) -> int:
    """Copy the database's history `copies - 1` more times; returns the cases added."""
    dialect = db.engine.dialect.name
    if dialect not in TRACKING_NO:
        raise ValueError(f"--copies copies in PostgreSQL's or SQLite's SQL, not {dialect}'s")
    added = 0
    with db.engine.begin() as conn:
        last = conn.scalar(text("SELECT max(id) FROM cases")) or 0
        # Each table's columns in their order, as the backend reports them for any table
        # (SQLite's FTS5 table included): the names of an empty result's columns.
        columns = {
            table: list(conn.exec_driver_sql(f"SELECT * FROM {table} LIMIT 0").keys())
            for table in CHANGED
        }
    statements = _statements(dialect, columns)
    for k in range(1, copies):
        # One transaction per copy: a copy stopped half-way is rolled back whole.
        with db.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement), {"off": k * last, "last": last})
        added += last
        step(last)
    return added
