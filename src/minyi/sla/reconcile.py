"""Derived columns put right: copies the application keeps in the transaction that changes their
source, which an app version from before the copy's migration does not keep while it still
serves during a rolling upgrade (docs/deployment.md §2).

`DERIVED` names each copy and its repair, `repair(session, low, high) -> rows repaired`: one
set-based UPDATE ... FROM (SELECT ... WHERE derived IS DISTINCT FROM computed) over the cases with
low < id <= high, so each statement reads a bounded range of the primary key whatever the
history's length. A new derived column is one more entry. Listed here, in sla, the highest of
the domains that own one (cases owns `case_units.case_status`, sla `cases.next_due_at`).

`minyi db reconcile` walks every case once, a window a transaction; the worker's job walks
JOB_WINDOWS windows a run (every JOB_EVERY seconds) from where its last run stopped (a cursor in
`counters`), so a rolling upgrade heals itself without a run ever holding the loop for long:
20,000 cases a run, a 100k history in 25 minutes, 10M in about two days.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.search import repair_month_terms
from minyi.cases.service import repair_case_status, repair_unit_urgency_copy
from minyi.core.ids import Counter
from minyi.sla.service import repair_next_due

Repair = Callable[[Session, int, int], int]

DERIVED: list[tuple[str, Repair]] = [
    ("cases.next_due_at", repair_next_due),
    ("case_units.case_status", repair_case_status),
    # After cases.next_due_at: the units' rows copy the repaired value.
    ("case_units.next_due_at", repair_unit_urgency_copy),
    ("case_search month terms", repair_month_terms),
]
WINDOW = 2_000  # cases a window: a range of the primary key and its clocks and units
JOB_WINDOWS = 10  # windows a worker run: 20,000 cases
JOB_EVERY = 300
CURSOR = "reconcile_cursor"


def next_window(session: Session, after: int, size: int = WINDOW) -> int | None:
    """The highest case id of the `size` cases after `after`; None: no case after it."""
    ids = select(Case.id).where(Case.id > after).order_by(Case.id).limit(size).subquery()
    found = session.scalar(select(func.max(ids.c.id)))
    return None if found is None else int(found)


def reconcile_window(session: Session, low: int, high: int) -> dict[str, int]:
    """Every derived column repaired for the cases with low < id <= high: rows repaired by name."""
    return {name: repair(session, low, high) for name, repair in DERIVED}


def reconcile_job(session: Session, *, windows: int = JOB_WINDOWS, size: int = WINDOW) -> int:
    """The worker's share: `windows` windows from the cursor, back to the first case after the
    last; returns the rows repaired. Runs are serialised by the cursor row's lock."""
    cursor = session.get(Counter, CURSOR, with_for_update=True)
    if cursor is None:
        cursor = Counter(name=CURSOR, value=0)
        session.add(cursor)
    repaired = 0
    low = cursor.value
    for _ in range(windows):
        high = next_window(session, low, size)
        if high is None:
            low = 0  # the end: the next run starts over
            break
        repaired += sum(reconcile_window(session, low, high).values())
        low = high
    cursor.value = low
    session.flush()
    return repaired
