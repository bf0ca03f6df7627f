"""The cases per class and chosen service per registration day (`service_day_counts`), so the
services hub's "cases in the last 30 days" and the report's per-service figures read a few
hundred rows instead of every case of the period (at 10M appeals a month is ~270,000 cases).

Exact by the area roll-up's rule (docs/decisions/0011-area-rollup.md): every flush that adds,
changes or removes a case marks its registration day (cases/models.py), and the area roll-up's
job folds each marked day before today into this table too (`fold_service_days`, called from
analytics.rollups.roll_up_areas) before it deletes the marks. So a day is either folded with
its cases' current state or marked; a read takes the folded rows of the whole unmarked days of
its period and counts the rest live from `cases`: the partial first and last days (today is
always one: its marks stay until it is over) and the marked days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case, CaseDayMark
from minyi.cases.rules import CLOSED
from minyi.core.clock import as_utc, day_bounds, local_day
from minyi.services.models import ServiceDayCount

# (class_name, chosen service) -> (cases registered, of which closed now)
Counts = dict[tuple[str | None, str | None], tuple[int, int]]


def _figures() -> list[Any]:
    return [func.count(), func.count().filter(Case.status.in_([s.value for s in CLOSED]))]


def day_rows(session: Session, day: date) -> list[dict[str, Any]]:
    """One registration day's cases per (class, chosen service), counted now."""
    start, end = day_bounds(day)
    rows = session.execute(
        select(Case.class_name, Case.service, *_figures())
        .where(Case.registered_at >= start, Case.registered_at < end)
        .group_by(Case.class_name, Case.service)
    )
    return [
        {"day": day, "class_name": c, "service": s, "cases": n, "closed": done}
        for c, s, n, done in rows
    ]


def fold_service_days(session: Session, days: Sequence[date]) -> None:
    """Recompute the given days' rows from `cases` (the area roll-up's job, for the days whose
    marks it is about to delete, in the same transaction)."""
    for i in range(0, len(days), 500):
        chunk = days[i : i + 500]
        session.execute(delete(ServiceDayCount).where(ServiceDayCount.day.in_(chunk)))
    for day in days:
        rows = day_rows(session, day)
        if rows:
            session.execute(insert(ServiceDayCount), rows)


def rebuild_service_rollup(session: Session) -> int:
    """The table made again from `cases`, every registration day (the migration's back-fill);
    returns the days folded. Marks are left alone: a marked day is read live until the job
    folds it again."""
    session.execute(delete(ServiceDayCount))
    first = session.scalar(select(func.min(Case.registered_at)))
    last = session.scalar(select(func.max(Case.registered_at)))
    if first is None or last is None:
        return 0
    day, end = local_day(first), local_day(last)
    days = []
    while day <= end:
        days.append(day)
        day += timedelta(days=1)
    fold_service_days(session, days)
    return len(days)


def _add(into: dict[Any, list[int]], key: Any, n: int, closed: int) -> None:
    found = into.setdefault(key, [0, 0])
    found[0] += int(n or 0)
    found[1] += int(closed or 0)


def period_counts(session: Session, since: datetime, until: datetime) -> Counts:
    """The cases registered in [since, until) per (class, chosen service), and how many of them
    are closed: equal to counting them in `cases` now. The whole days of the period that are not
    marked come from the folded rows; the rest (the period's partial ends, the marked days) is
    counted live over their index ranges of `cases.registered_at`."""
    since, until = as_utc(since), as_utc(until)  # a naive bound is UTC, as stored
    first = local_day(since)
    if day_bounds(first)[0] < since:
        first += timedelta(days=1)
    whole: list[date] = []
    day = first
    while day_bounds(day)[1] <= until:
        whole.append(day)
        day += timedelta(days=1)
    marked = (
        set(
            session.scalars(
                select(CaseDayMark.day)
                .where(CaseDayMark.day >= whole[0], CaseDayMark.day <= whole[-1])
                .distinct()
            )
        )
        if whole
        else set()
    )
    folded = [d for d in whole if d not in marked]
    live: list[tuple[datetime, datetime]] = []
    at = since
    for d in folded:
        start, end = day_bounds(d)
        if at < start:
            live.append((at, start))
        at = end
    if at < until:
        live.append((at, until))
    found: dict[Any, list[int]] = {}
    if folded:
        stmt = (
            select(
                ServiceDayCount.class_name,
                ServiceDayCount.service,
                func.sum(ServiceDayCount.cases),
                func.sum(ServiceDayCount.closed),
            )
            .where(ServiceDayCount.day >= folded[0], ServiceDayCount.day <= folded[-1])
            .group_by(ServiceDayCount.class_name, ServiceDayCount.service)
        )
        if marked:
            stmt = stmt.where(ServiceDayCount.day.not_in(marked))
        for c, s, n, done in session.execute(stmt):
            _add(found, (c, s), n, done)
    if live:
        ranges = or_(*(and_(Case.registered_at >= s, Case.registered_at < e) for s, e in live))
        for c, s, n, done in session.execute(
            select(Case.class_name, Case.service, *_figures())
            .where(ranges)
            .group_by(Case.class_name, Case.service)
        ):
            _add(found, (c, s), n, done)
    return {key: (n, done) for key, (n, done) in found.items()}
