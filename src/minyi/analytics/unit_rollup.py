"""The unit roll-up: the assessment's additive figures per unit and day, so a month's page sums
at most ~31 rows per unit instead of reading the month's assignments, closures, feedback events,
bounces and summonses (docs/decisions/0012-unit-rollup.md).

Five groups of figures, each keyed by the day (district time) of its own moment:

- assigned, signed_in_time: lead assignments by `case_units.assigned_at`;
- closed, closed_on_time, closed_first_time, repeated: cases by `closed_at`, with their closure
  clocks and repeat links;
- feedback, satisfied: feedback events by `at`, counted for the case's lead unit now;
- bounces: bounce requests by `requested_at`;
- summoned, reported_in_time: summonses by `summoned_at`.

Why it is exact: `unit_day_figures` holds a day's figures as they stood when the job last
recomputed the day. Every flush that changes something a day's figures depend on writes a
`UnitDayMark` for that day in the same transaction (the listener in analytics/models.py says
which changes mark which days). A read sums the unmarked days' rows and counts the marked days
of the period live with the same statements the job runs (`scan_counts`). The job
(`roll_up_units`, every minute) recomputes each marked day before today and deletes the marks it
saw, by id; today's marks are thinned to one.

"Still open at the period's end with a closure clock breached in it" (late-open) depends on the
period's end, so it is not a sum of days: it has a roll-up of its own, `unit_late_open_days`
(`UnitLateOpen` says what its rows mean), folded and marked with the same days and read by
`late_open_counts`. The grid, market, reception and service figures stay with their own small
tables. A period that does not start and end at district midnights, or a sign-for limit other
than SIGN_FOR_LIMIT, is counted the old way (`scan_counts` and `scan_late_open` over the period).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Float,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from minyi.analytics.models import UnitDayFigures, UnitLateOpen
from minyi.analytics.rules import CLOSURE_MILESTONES, SATISFIED_RATINGS, SIGN_FOR_LIMIT
from minyi.cases.models import Bounce, Case, CaseEvent, CaseUnit, UnitDayMark
from minyi.core.clock import local_day, midnight
from minyi.core.planner_hints import Likely
from minyi.sla.models import Clock
from minyi.triage.models import AppealLink
from minyi.whistle.models import Summons

LOCK = "unit_rollup_runs"
# Group -> its columns in `unit_day_figures`, in the order `scan_counts` returns them.
GROUPS: dict[str, tuple[str, ...]] = {
    "assigned": ("assigned", "signed_in_time"),
    "closed": ("closed", "closed_on_time", "closed_first_time", "repeated"),
    "feedback": ("feedback", "satisfied"),
    "bounces": ("bounces",),
    "whistles": ("summoned", "reported_in_time"),
}
COLUMNS = tuple(c for cols in GROUPS.values() for c in cols)
# group -> unit id -> its figures
Counts = dict[str, dict[int, tuple[int, ...]]]


class seconds_between(FunctionElement[float]):
    """Seconds from the first datetime column to the second, on either backend."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"((julianday({compiler.process(b, **kw)}) - julianday({compiler.process(a, **kw)})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(b, **kw)} - {compiler.process(a, **kw)}))"


def _counts(session: Session, stmt: Any) -> dict[int, tuple[int, ...]]:
    # A None key (a case without a lead unit, or one `only` leaves out) is nobody's figure.
    return {
        row[0]: tuple(int(v or 0) for v in row[1:])
        for row in session.execute(stmt)
        if row[0] is not None
    }


def lead_of(case_id: Any, *where: Any) -> Any:
    """The lead unit of the case `case_id` names (NULL: none, or `where` fails), as a correlated
    scalar subquery: both backends run it as one primary-key probe per outer row, so a count
    driven by the period's rows never reads the rest of `cases`. (LATERAL would say the same on
    PostgreSQL, but SQLite has none; a join leaves the plan to the planner, which hashed all of
    `cases` for a month's 5,000 feedback events.)"""
    return (
        select(Case.lead_unit_id)
        .where(Case.id == case_id, Case.lead_unit_id.is_not(None), *where)
        .scalar_subquery()
    )


def by_lead_unit(session: Session, rows: Any) -> dict[int, tuple[int, ...]]:
    """Count `rows` (a select of a `unit` column and numeric columns to sum) by unit."""
    sub = rows.subquery()
    sums = [func.sum(c) for c in sub.c if c.name != "unit"]
    return _counts(session, select(sub.c.unit, func.count(), *sums).group_by(sub.c.unit))


def probes_plainly(session: Session) -> None:
    """For the rest of this transaction on PostgreSQL: no parallel workers. A count driven by
    thousands of primary-key probes (`lead_of`) has a small bitmap scan of the period's clocks
    that gets two workers whose start-up costs more than the scan on a busy machine. It does
    not change a result. (JIT, which priced the same count past `jit_above_cost` at 10M, is off
    for every connection: core/db.py `make_engine`.) SQLite: nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def _only(column: Any, unit_ids: Sequence[int] | None) -> Any:
    """`column` among `unit_ids`; every unit when None."""
    return column.in_(unit_ids) if unit_ids is not None else literal(True)


def _marked_days(session: Session, first: date, last: date) -> list[date]:
    """The days from `first` to `last` with a mark: read live, not from the folded rows."""
    return sorted(
        session.scalars(
            select(UnitDayMark.day)
            .where(UnitDayMark.day >= first, UnitDayMark.day <= last)
            .distinct()
        )
    )


def in_period(column: Any, start: datetime, end: datetime) -> Any:
    return and_(column >= start, column < end)


def breached_closure_clock() -> Any:
    return exists().where(
        Clock.case_id == Case.id,
        Clock.subject == "case",
        Clock.milestone.in_(CLOSURE_MILESTONES),
        Clock.breached_at.is_not(None),
    )


def scan_counts(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    unit_ids: Sequence[int] | None = None,
    sign_for_limit: timedelta = SIGN_FOR_LIMIT,
) -> Counts:
    """The five groups over [start, end) read from their own tables (the assessment's statements
    before the roll-up, and what the job folds a day with)."""

    def only(column: Any) -> Any:
        return _only(column, unit_ids)

    assigned = _counts(
        session,
        select(
            CaseUnit.unit_id,
            func.count(),
            func.sum(
                case(
                    (
                        and_(
                            CaseUnit.signed_at.is_not(None),
                            seconds_between(CaseUnit.assigned_at, CaseUnit.signed_at)
                            <= sign_for_limit.total_seconds(),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(
            in_period(CaseUnit.assigned_at, start, end),
            CaseUnit.role == "lead",
            only(CaseUnit.unit_id),
        )
        .group_by(CaseUnit.unit_id),
    )
    breached = breached_closure_clock()
    repeated = exists().where(AppealLink.other_id == Case.appeal_id, AppealLink.kind == "repeat")
    closed = _counts(
        session,
        select(
            Case.lead_unit_id,
            func.count(),
            func.sum(case((~breached, 1), else_=0)),
            func.sum(case((Case.reopen_count == 0, 1), else_=0)),
            func.sum(case((repeated, 1), else_=0)),
        )
        .where(
            in_period(Case.closed_at, start, end),
            Case.lead_unit_id.is_not(None),
            only(Case.lead_unit_id),
        )
        .group_by(Case.lead_unit_id),
    )
    # The period's feedback events (an index range on action and time), each case's lead unit
    # by primary key: joined, the planner read all of `cases` to hash them.
    rating = CaseEvent.payload["rating"].as_string()
    feedback = by_lead_unit(
        session,
        select(
            lead_of(CaseEvent.case_id, only(Case.lead_unit_id)).label("unit"),
            case((rating.in_(SATISFIED_RATINGS), 1), else_=0).label("satisfied"),
        ).where(CaseEvent.action == "feedback", in_period(CaseEvent.at, start, end)),
    )
    bounces = _counts(
        session,
        select(Bounce.unit_id, func.count())
        .where(in_period(Bounce.requested_at, start, end), only(Bounce.unit_id))
        .group_by(Bounce.unit_id),
    )
    reported = and_(Summons.reported_at.is_not(None), Summons.reported_at <= Summons.due_at)
    whistles = _counts(
        session,
        select(Summons.unit_id, func.count(), func.sum(case((reported, 1), else_=0)))
        .where(in_period(Summons.summoned_at, start, end), only(Summons.unit_id))
        .group_by(Summons.unit_id),
    )
    return {
        "assigned": assigned,
        "closed": closed,
        "feedback": feedback,
        "bounces": bounces,
        "whistles": whistles,
    }


def _add(into: Counts, more: Counts) -> None:
    for group, units in more.items():
        target = into.setdefault(group, {})
        for unit, values in units.items():
            old = target.get(unit)
            target[unit] = (
                values if old is None else tuple(a + b for a, b in zip(old, values, strict=True))
            )


def _whole_days(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The first and last day of [start, end) when both ends are district midnights."""
    first, after = local_day(start), local_day(end)
    if midnight(first) != start or midnight(after) != end or after <= first:
        return None
    return first, after - timedelta(days=1)


def period_counts(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    unit_ids: Sequence[int] | None = None,
    sign_for_limit: timedelta = SIGN_FOR_LIMIT,
) -> Counts:
    """`scan_counts` over [start, end), from the roll-up: the unmarked days' rows summed per
    unit (an index range of `unit_day_figures`), the marked days counted live. The marks come
    from a statement before the sums: a change committed between the two counts as it stood at
    the first, as a read-committed page reading two tables would anyway."""
    days = _whole_days(start, end)
    if days is None or sign_for_limit != SIGN_FOR_LIMIT:
        return scan_counts(session, start, end, unit_ids=unit_ids, sign_for_limit=sign_for_limit)
    first, last = days
    marked = _marked_days(session, first, last)
    where = [UnitDayFigures.day >= first, UnitDayFigures.day <= last]
    if marked:
        where.append(UnitDayFigures.day.not_in(marked))
    if unit_ids is not None:
        where.append(UnitDayFigures.unit_id.in_(unit_ids))
    rows = session.execute(
        select(UnitDayFigures.unit_id, *(func.sum(getattr(UnitDayFigures, c)) for c in COLUMNS))
        .where(*where)
        .group_by(UnitDayFigures.unit_id)
    )
    counts: Counts = {group: {} for group in GROUPS}
    for unit, *values in rows:
        at = 0
        for group, cols in GROUPS.items():
            part = tuple(int(v or 0) for v in values[at : at + len(cols)])
            at += len(cols)
            if part[0]:  # the group's count: a unit with none has no entry, as in scan_counts
                counts[group][unit] = part
    for a, b in _runs(marked):
        _add(counts, scan_counts(session, midnight(a), midnight(b), unit_ids=unit_ids))
    return counts


def _runs(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive days as [first, after-last) ranges."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs


# --- late-open: still open at the period's end with a closure clock breached within it ----------
def _closure_breaches(clock: Any = Clock) -> list[Any]:
    # Nearly every clock's subject is a case: SQLite would read them all through ix_clocks_subject.
    return [
        Likely(clock.subject == "case"),
        clock.milestone.in_(CLOSURE_MILESTONES),
        clock.breached_at.is_not(None),
    ]


def _open_at(end: datetime) -> Any:
    return or_(Case.closed_at.is_(None), Case.closed_at >= end)


def scan_late_open(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    unit_ids: Sequence[int] | None = None,
) -> dict[int, tuple[int, ...]]:
    """Per lead unit, the cases still open at `end` with a closure clock breached in
    [start, end), read from the period's breached clocks (an index range), each case then looked
    up by primary key (the assessment's statement before the roll-up, and what a period off
    midnight reads). `lead_of` rather than a join: PostgreSQL hash-joined the clocks to every
    open case."""
    only = _only(Case.lead_unit_id, unit_ids)
    breached_cases = (
        select(Clock.case_id)
        .where(in_period(Clock.breached_at, start, end), *_closure_breaches())
        .distinct()
        # Probed in key order: consecutive probes share pk_cases' pages (a month at 10M, 22,300
        # probes: ~42 instead of ~58 ms; the same rows counted).
        .order_by(Clock.case_id)
        .subquery()
    )
    probes_plainly(session)
    return by_lead_unit(
        session,
        select(lead_of(breached_cases.c.case_id, only, _open_at(end)).label("unit")).select_from(
            breached_cases
        ),
    )


def late_open_rows(session: Session, day: date) -> list[dict[str, Any]]:
    """One breach day's `unit_late_open_days` rows, counted now: the cases with a closure clock
    breached that day, by lead unit and the day they stop being late-open from it (the first of
    their `closed_at` day and their next breach day; None: neither). A case closed by the end of
    the breach day is never late-open from it: no row."""
    start, end = midnight(day), midnight(day + timedelta(days=1))
    breached = select(Clock.case_id).where(
        in_period(Clock.breached_at, start, end), *_closure_breaches()
    )
    later = aliased(Clock)
    next_breach = (
        select(func.min(later.breached_at))
        .where(later.case_id == Case.id, later.breached_at >= end, *_closure_breaches(later))
        .scalar_subquery()
    )
    found: dict[tuple[int | None, date | None], int] = {}
    for unit, closed_at, again in session.execute(
        select(Case.lead_unit_id, Case.closed_at, next_breach).where(
            Case.id.in_(breached), Case.lead_unit_id.is_not(None)
        )
    ):
        ends = [local_day(at) for at in (closed_at, again) if at is not None]
        until = min(ends) if ends else None
        if until is not None and until <= day:
            continue
        found[(unit, until)] = found.get((unit, until), 0) + 1
    return [
        {"day": day, "until": until, "unit_id": unit, "cases": n}
        for (unit, until), n in sorted(found.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))
    ]


def late_open_counts(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    unit_ids: Sequence[int] | None = None,
) -> dict[int, tuple[int, ...]]:
    """`scan_late_open` over [start, end), from the roll-up: the unmarked days' rows whose case
    stays late-open until `end` or later, summed per unit; the marked days counted live, each
    case at its last closure breach before `end` when that falls on a marked day (the folded
    rows count it there otherwise, so no case is counted twice). A month reads about 31 days ×
    units × the distinct later days its cases close on, bounded by the calendar rather than by
    the period's breaches."""
    days = _whole_days(start, end)
    if days is None:
        return scan_late_open(session, start, end, unit_ids=unit_ids)
    first, last = days
    after = last + timedelta(days=1)
    marked = _marked_days(session, first, last)
    where = [
        UnitLateOpen.day >= first,
        UnitLateOpen.day <= last,
        or_(UnitLateOpen.until.is_(None), UnitLateOpen.until >= after),
    ]
    if marked:
        where.append(UnitLateOpen.day.not_in(marked))
    if unit_ids is not None:
        where.append(UnitLateOpen.unit_id.in_(unit_ids))
    counts = _counts(
        session,
        select(UnitLateOpen.unit_id, func.sum(UnitLateOpen.cases))
        .where(*where)
        .group_by(UnitLateOpen.unit_id),
    )
    if not marked:
        return counts
    ranges = [(midnight(a), midnight(b)) for a, b in _runs(marked)]

    def on_marked_days(column: Any) -> Any:
        return or_(*(in_period(column, a, b) for a, b in ranges))

    candidates = (
        select(Clock.case_id)
        .where(on_marked_days(Clock.breached_at), *_closure_breaches())
        .distinct()
        .subquery()
    )
    later = aliased(Clock)
    last_breach = (
        select(func.max(later.breached_at))
        .where(
            later.case_id == candidates.c.case_id,
            later.breached_at < end,
            *_closure_breaches(later),
        )
        .scalar_subquery()
    )
    only = _only(Case.lead_unit_id, unit_ids)
    live = by_lead_unit(
        session,
        select(lead_of(candidates.c.case_id, only, _open_at(end)).label("unit"))
        .select_from(candidates)
        .where(on_marked_days(last_breach)),
    )
    for unit, (n,) in live.items():
        counts[unit] = (counts.get(unit, (0,))[0] + n,)
    return counts


def day_rows(session: Session, day: date) -> list[dict[str, Any]]:
    """One day's figures per unit, counted now, as `unit_day_figures` rows."""
    counts = scan_counts(session, midnight(day), midnight(day + timedelta(days=1)))
    units = set().union(*(set(u) for u in counts.values()))
    out = []
    for unit in sorted(units):
        values: list[int] = []
        for group, cols in GROUPS.items():
            values.extend(counts[group].get(unit, (0,) * len(cols)))
        out.append({"day": day, "unit_id": unit, **dict(zip(COLUMNS, values, strict=True))})
    return out


# The job's work per run: a month of days, oldest first. After the migration marks a whole
# history (every day read live until folded), the worker folds it a month a minute instead of
# holding its loop for the whole history in one transaction.
DAYS_PER_RUN = 31


def roll_up_units(session: Session, *, now: datetime, limit: int | None = DAYS_PER_RUN) -> int:
    """Recompute the marked days before today (district time), at most `limit` of them, oldest
    first (None: all); returns the days recomputed. Idempotent: a day's rows are replaced, never
    added to. Runs are serialised by a row lock on the `counters` row, taken first."""
    session.execute(
        text("INSERT INTO counters (name, value) VALUES (:n, 0) ON CONFLICT (name) DO NOTHING"),
        {"n": LOCK},
    )
    session.execute(text("UPDATE counters SET value = value + 1 WHERE name = :n"), {"n": LOCK})
    today = local_day(now)
    marks = session.execute(select(UnitDayMark.id, UnitDayMark.day)).all()
    closed_days = sorted({d for _, d in marks if d < today})[:limit]
    folding = set(closed_days)
    # Marks of today and later stay, one a day: the day is read live until it is over. Marks
    # of past days beyond this run's limit stay for the next run.
    kept = {d: i for i, d in sorted(marks, reverse=True) if d >= today}
    gone = [i for i, d in marks if d in folding or (d >= today and kept.get(d) != i)]
    for chunk in _chunks(closed_days):
        session.execute(delete(UnitDayFigures).where(UnitDayFigures.day.in_(chunk)))
        session.execute(delete(UnitLateOpen).where(UnitLateOpen.day.in_(chunk)))
    for day in closed_days:
        rows = day_rows(session, day)
        if rows:
            session.execute(insert(UnitDayFigures), rows)
        late = late_open_rows(session, day)
        if late:
            session.execute(insert(UnitLateOpen), late)
    for chunk in _chunks(gone):
        session.execute(delete(UnitDayMark).where(UnitDayMark.id.in_(chunk)))
    session.flush()
    return len(closed_days)


def _chunks(items: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def rebuild_unit_rollup(session: Session, *, now: datetime) -> int:
    """The roll-up made again: after bulk loads that bypass the session (the bench's history),
    and by the migration that creates it. Marks every day from the first assignment, closure,
    feedback, bounce, summons or clock breach to today, then folds."""
    session.execute(delete(UnitDayFigures))
    session.execute(delete(UnitLateOpen))
    session.execute(delete(UnitDayMark))
    columns = (
        CaseUnit.assigned_at,
        Case.closed_at,
        Bounce.requested_at,
        Summons.summoned_at,
        Clock.breached_at,
    )
    ends = [session.execute(select(func.min(c), func.max(c))).one() for c in columns]
    ends.append(
        session.execute(
            select(func.min(CaseEvent.at), func.max(CaseEvent.at)).where(
                CaseEvent.action == "feedback"
            )
        ).one()
    )
    known = [local_day(at) for pair in ends for at in pair if at is not None]
    if not known:
        return 0
    day, end = min(known), max(*known, local_day(now))
    days = []
    while day <= end:
        days.append({"day": day})
        day += timedelta(days=1)
    session.execute(insert(UnitDayMark), days)
    return roll_up_units(session, now=now, limit=None)
