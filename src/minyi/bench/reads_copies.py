"""`minyi bench reads --copies K`: a history K times as large, copied in SQL on PostgreSQL.

The generator (bench/analytics._fill) writes a few hundred appeals a second on a busy 2-core
machine: a million takes hours. Copying the history it built K-1 more times in SQL takes
minutes and gives the same shape the earlier 100k -> 1M study had: the same days, K times the
daily volume, every copy with fresh ids, tracking numbers and external ids, its units, events,
clocks, bounces and search-index rows. The texts repeat (the generator's are templates anyway)
and each caller's phone number calls K times as often.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from minyi.core.db import Database

# A copy's tracking number: the day's prefix and the new id, seven digits at least (wider past
# 9,999,999: a fixed width of seven made the 10,000,000th case repeat the 1,000,000th's).
TRACKING_NO = (
    "left(tracking_no, 9) || lpad((id + :off)::text, greatest(7, length((id + :off)::text)), '0')"
)
# Per table: the columns whose value a copy changes, as SQL over the source row and :off (the
# copy's id offset). Every other column is copied as it is; a serial `id` is left to its sequence.
CHANGED: dict[str, dict[str, str]] = {
    "appeals": {
        "id": "id + :off",
        "tracking_no": TRACKING_NO,
        "external_id": "'b' || (id + :off)",
    },
    "cases": {
        "id": "id + :off",
        "appeal_id": "appeal_id + :off",
        "tracking_no": TRACKING_NO,
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


def copy_history(db: Database, copies: int, step: Callable[[int], None]) -> int:
    """Copy the database's history `copies - 1` more times; returns the cases added."""
    if db.engine.dialect.name != "postgresql":
        raise ValueError("--copies copies in PostgreSQL's SQL: use --db postgres")
    added = 0
    with db.engine.begin() as conn:
        last = conn.scalar(text("SELECT max(id) FROM cases")) or 0
        columns = {
            table: list(
                conn.scalars(
                    text(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_schema = current_schema() AND table_name = :t"
                        " ORDER BY ordinal_position"
                    ),
                    {"t": table},
                )
            )
            for table in CHANGED
        }
    for k in range(1, copies):
        # One transaction per copy: a copy stopped half-way is rolled back whole.
        with db.engine.begin() as conn:
            for table, changed in CHANGED.items():
                names = [c for c in columns[table] if not (table in SERIAL and c == "id")]
                values = [changed.get(c, c) for c in names]
                key = KEY.get(table, "case_id")
                conn.execute(
                    text(
                        f"INSERT INTO {table} ({', '.join(names)})"
                        f" SELECT {', '.join(values)} FROM {table} WHERE {key} <= :last"
                    ),
                    {"off": k * last, "last": last},
                )
        added += last
        step(last)
    return added
