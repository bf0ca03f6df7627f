"""The area roll-up: the leader dashboard's per-area figures (cases, open, overdue, closed,
不满意) and the district's open and overdue counts without reading every case of the history.

Why it is exact (docs/decisions/0011-area-rollup.md):

- `area_day_counts` holds, per registration day (district time) and (street, community), the
  figures of that day's cases as they stood when the job last folded the day in;
  `area_totals` holds their sum per (street, community).
- Every flush that adds, changes or removes a case writes a `CaseDayMark` for the case's
  registration day in the same transaction (cases/models.py). So at any moment each case is
  either folded in with its current state, or its day is marked.
- A read is: totals − the folded rows of the marked days + those days' cases counted from
  `cases` now. Marked days are today's (every intake marks it) and the old days touched since
  the job's last run: a few days, each an index range of the area's cases.
- The job (`roll_up_areas`, every minute) recomputes each marked day before today, moves its
  delta into the totals, and deletes the marks it saw, by id: a mark committed meanwhile stays,
  and its change is read live until the next run. Today's marks are thinned to one a day.

The same job folds the per-service day counts (services/rollup.py) from the same marks.

Core statements bypass the mark: `sla.calendar_service` updates `due_at` only (not a figure
here), `integrations.case_import` updates the cases it has just inserted through the session
(their days are marked by the insert), and the bench's history generator inserts in bulk and
then calls `rebuild_area_rollup`. A new core write to cases must mark or rebuild likewise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, false, func, insert, or_, select, text
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from minyi.analytics.models import AreaDayCount, AreaTotal
from minyi.cases.models import Case, CaseDayMark
from minyi.cases.rules import CLOSED, OPEN
from minyi.core.clock import day_bounds, local_day
from minyi.org.models import LeaderArea, Unit
from minyi.services.models import ServiceDayCount
from minyi.services.rollup import fold_service_days

LOCK = "area_rollup_runs"
FIGURES = ("cases", "open", "overdue", "closed", "unsatisfied")


@dataclass(frozen=True)
class Figures:
    cases: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    unsatisfied: int = 0


# (street, community) -> its figures; None where a case has no street or community.
AreaTable = dict[tuple[int | None, int | None], Figures]


def case_figures() -> list[Any]:
    """The five figures over `cases` rows, as the dashboard always counted them."""
    is_open = Case.status.in_(OPEN)
    return [
        func.count(),
        func.sum(sql_case((is_open, 1), else_=0)),
        func.sum(sql_case((Case.is_overdue.is_(True) & is_open, 1), else_=0)),
        func.sum(sql_case((Case.status.in_(CLOSED), 1), else_=0)),
        func.sum(sql_case((Case.rating == "unsatisfied", 1), else_=0)),
    ]


def _in_days(days: Sequence[date]) -> Any:
    if not days:
        return false()
    return or_(
        *(and_(Case.registered_at >= s, Case.registered_at < e) for s, e in map(day_bounds, days))
    )


def marked_days(session: Session) -> list[date]:
    return sorted(session.scalars(select(CaseDayMark.day).distinct()))


def area_table(session: Session) -> AreaTable:
    """Every (street, community)'s figures over its whole history, equal to counting every case
    now, in one statement: the totals, minus the marked days' folded rows, plus those days' cases
    counted live. A few hundred rows a district, whatever the history's length; a page sums what
    it shows from them. The marked days come from a statement before this one: a case changed
    and committed between the two counts as it stood at the first (as a read-committed page
    reading two tables would anyway)."""
    days = marked_days(session)
    keys = [AreaTotal.street_id, AreaTotal.community_id]
    parts = [select(*keys, *(getattr(AreaTotal, f) for f in FIGURES))]
    if days:
        parts.append(
            select(
                AreaDayCount.street_id,
                AreaDayCount.community_id,
                *(-getattr(AreaDayCount, f) for f in FIGURES),
            ).where(AreaDayCount.day.in_(days))
        )
        parts.append(
            select(Case.street_id, Case.community_id, *case_figures())
            .where(_in_days(days))
            .group_by(Case.street_id, Case.community_id)
        )
    both = parts[0].union_all(*parts[1:]).subquery()
    street, community, *figures = both.c
    rows = session.execute(
        select(street, community, *(func.sum(c) for c in figures)).group_by(street, community)
    )
    return {(st, co): Figures(*(int(v or 0) for v in values)) for st, co, *values in rows}


def sum_figures(table: AreaTable, unit_id: int | None = None) -> Figures:
    """A street's or community's figures from `area_table` (None: the district's)."""
    shown = [f for (st, co), f in table.items() if unit_id is None or unit_id in (st, co)]
    return Figures(*(sum(getattr(f, name) for f in shown) for name in FIGURES))


def rolled_figures(session: Session, unit_id: int | None) -> Figures:
    return sum_figures(area_table(session), unit_id)


def day_counts(session: Session, day: date) -> list[dict[str, Any]]:
    """The figures of one registration day's cases per (street, community), counted now."""
    start, end = day_bounds(day)
    rows = session.execute(
        select(Case.street_id, Case.community_id, *case_figures())
        .where(Case.registered_at >= start, Case.registered_at < end)
        .group_by(Case.street_id, Case.community_id)
    )
    return [
        {
            "day": day,
            "street_id": street,
            "community_id": community,
            **{f: int(v or 0) for f, v in zip(FIGURES, values, strict=True)},
        }
        for street, community, *values in rows
    ]


Key = tuple[int | None, int | None]


def _add(totals: dict[Key, list[int]], key: Key, values: Sequence[int], sign: int) -> None:
    into = totals.setdefault(key, [0] * len(FIGURES))
    for i, v in enumerate(values):
        into[i] += sign * v


def roll_up_areas(session: Session, *, now: datetime, services: bool = True) -> int:
    """Fold every marked day before today (district time) into the roll-up, and into the
    per-service day counts (services/rollup.py) that ride on the same marks; returns the days
    folded. Runs are serialised by a row lock on the `counters` row, taken first: two workers
    never apply the same day's delta twice. `services=False` only for the migration rollups0001,
    which runs before `service_day_counts` exists (boards0001 back-fills it)."""
    session.execute(
        text("INSERT INTO counters (name, value) VALUES (:n, 0) ON CONFLICT (name) DO NOTHING"),
        {"n": LOCK},
    )
    session.execute(text("UPDATE counters SET value = value + 1 WHERE name = :n"), {"n": LOCK})
    today = local_day(now)
    marks = session.execute(select(CaseDayMark.id, CaseDayMark.day)).all()
    closed_days = sorted({d for _, d in marks if d < today})
    # Marks of today and later stay, one a day: the day is read live until it is over.
    kept = {d: i for i, d in sorted(marks, reverse=True) if d >= today}
    gone = [i for i, d in marks if d < today or kept.get(d) != i]
    if closed_days:
        delta: dict[Key, list[int]] = {}
        figures = [getattr(AreaDayCount, f) for f in FIGURES]
        for chunk in _chunks(closed_days):
            old = session.execute(
                select(AreaDayCount.street_id, AreaDayCount.community_id, *figures).where(
                    AreaDayCount.day.in_(chunk)
                )
            )
            for street, community, *values in old:
                _add(delta, (street, community), values, -1)
            session.execute(delete(AreaDayCount).where(AreaDayCount.day.in_(chunk)))
        for day in closed_days:
            new = day_counts(session, day)
            for row in new:
                _add(delta, (row["street_id"], row["community_id"]), [row[f] for f in FIGURES], 1)
            if new:
                session.execute(insert(AreaDayCount), new)
        if services:  # folded before the marks go, as the area rows are
            fold_service_days(session, closed_days)
        totals = {(t.street_id, t.community_id): t for t in session.scalars(select(AreaTotal))}
        for key, values in delta.items():
            total = totals.get(key)
            if total is None:
                total = AreaTotal(
                    street_id=key[0], community_id=key[1], **dict.fromkeys(FIGURES, 0)
                )
                session.add(total)
            for f, v in zip(FIGURES, values, strict=True):
                setattr(total, f, getattr(total, f) + v)
    for chunk in _chunks(gone):
        session.execute(delete(CaseDayMark).where(CaseDayMark.id.in_(chunk)))
    session.flush()
    return len(closed_days)


def _chunks(items: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def rebuild_area_rollup(session: Session, *, now: datetime, services: bool = True) -> int:
    """The roll-up made again from `cases`: after bulk loads that bypass the session (the bench's
    history), and by the migration that creates it. Marks every registration day, then folds."""
    session.execute(delete(AreaDayCount))
    session.execute(delete(AreaTotal))
    if services:
        session.execute(delete(ServiceDayCount))
    session.execute(delete(CaseDayMark))
    first = session.scalar(select(func.min(Case.registered_at)))
    last = session.scalar(select(func.max(Case.registered_at)))
    if first is None or last is None:
        return 0
    day, end = local_day(first), local_day(last)
    days = []
    while day <= end:
        days.append({"day": day})
        day += timedelta(days=1)
    session.execute(insert(CaseDayMark), days)
    return roll_up_areas(session, now=now, services=services)


# --- The leader dashboard's figures (web/leader.py and bench/reads_roles.py call these) --------


def area_figures(
    session: Session, staff_id: int, *, table: AreaTable | None = None
) -> list[dict[str, Any]]:
    """Per street or community the leader covers (分片包联): cases, open, overdue, closed,
    不满意 over its whole history; worst first."""
    areas = list(
        session.scalars(
            select(Unit)
            .join(LeaderArea, LeaderArea.unit_id == Unit.id)
            .where(LeaderArea.staff_id == staff_id)
            .order_by(Unit.code)
        )
    )
    if table is None:
        table = area_table(session) if areas else {}
    out = []
    for unit in areas:
        f = sum_figures(table, unit.id)
        out.append(
            {
                "code": unit.code,
                "name": unit.name,
                "kind": unit.kind,
                "total": f.cases,
                "open": f.open,
                "overdue": f.overdue,
                "closed": f.closed,
                "unsatisfied": f.unsatisfied,
            }
        )
    return sorted(out, key=lambda r: (-r["overdue"], -r["open"], r["code"]))


def today_figures(
    session: Session, now: datetime, *, table: AreaTable | None = None
) -> dict[str, int]:
    """The district today: appeals received since local midnight (an index range of today's
    cases), open and overdue cases (the roll-up)."""
    start, end = day_bounds(local_day(now))
    received = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.registered_at >= start, Case.registered_at < end)
    )
    district = sum_figures(area_table(session) if table is None else table)
    return {"received": int(received or 0), "open": district.open, "overdue": district.overdue}


def leader_board_figures(session: Session, staff_id: int, now: datetime) -> dict[str, Any]:
    """The figures of the leader dashboard (/leader): the covered areas and today's district."""
    table = area_table(session)
    return {
        "areas": area_figures(session, staff_id, table=table),
        "figures": today_figures(session, now, table=table),
    }
