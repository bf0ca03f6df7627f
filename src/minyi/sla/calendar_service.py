"""The working-day calendar as data: read it (cached per runtime, reloaded when an administrator's
edit bumps a year's version), show a year, and edit it (a year's file, one day at a time)."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import chinese_calendar
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.core.caches import Caches, Slot
from minyi.core.errors import Conflict, Invalid
from minyi.sla.calendar import (
    BEIJING,
    OFFICIAL,
    STATUTORY,
    Workdays,
    add_counted,
    counted_between,
    package_covers,
    uncovered_years,
)
from minyi.sla.models import CalendarDay, CalendarYear, Clock

KINDS = ("holiday", "workday")
# A year's file may name a day's kind in Chinese, as the administrator's page documents it (the
# page shows no internal codes): 休/假日/放假 a day off, 班/工作日/调休上班 a swapped workday.
KIND_WORDS = {
    "休": "holiday",
    "假": "holiday",
    "假日": "holiday",
    "放假": "holiday",
    "休息日": "holiday",
    "节假日": "holiday",
    "班": "workday",
    "上班": "workday",
    "工作日": "workday",
    "调休上班": "workday",
    "补班": "workday",
}
SOURCES = (OFFICIAL, STATUTORY)
MAX_ROWS = 400  # a year has 366 days; anything longer is not a year's file


@dataclass
class CalendarCache:
    """A runtime's calendar: the settings' local overrides (MINYI_EXTRA_HOLIDAYS and
    MINYI_EXTRA_WORKDAYS, which win over the tables), and the calendar last read from the tables
    with the version it was read at."""

    overrides: Workdays = field(default_factory=lambda: Workdays.from_strings([], []))
    loaded: tuple[tuple[int, int], Workdays] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


CALENDARS: Slot[CalendarCache] = Slot("sla.calendar", CalendarCache)


def configure_overrides(caches: Caches, holidays: list[str], workdays: list[str]) -> None:
    """The runtime sets its settings' local overrides once (wiring.build_runtime)."""
    caches.put(CALENDARS, CalendarCache(Workdays.from_strings(holidays, workdays)))


def calendar_version_columns() -> tuple[Any, Any]:
    """(sum of the years' versions, number of years) as scalar subqueries, so a caller that
    reads other versions too can fetch them all in one round trip."""
    return (
        select(func.coalesce(func.sum(CalendarYear.version), 0)).scalar_subquery(),
        select(func.count()).select_from(CalendarYear).scalar_subquery(),
    )


@cache
def _calendar_version_statement() -> Select[int, int]:
    return select(*calendar_version_columns())  # built once: it never changes


def calendar_version(session: Session) -> tuple[int, int]:
    total, count = session.execute(_calendar_version_statement()).one()
    return int(total), int(count)


def load_calendar(session: Session, version: tuple[int, int] | None = None) -> Workdays:
    """The calendar in force. One small query per call (none when the caller read `version`
    already); the days are read again only when an edit anywhere (this process, the worker,
    another API process) changed a version."""
    cache = CALENDARS.of(session)
    key = version or calendar_version(session)
    with cache.lock:
        if cache.loaded is not None and cache.loaded[0] == key:
            return cache.loaded[1]
    years = {y: src for y, src in session.execute(select(CalendarYear.year, CalendarYear.source))}
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, kind in session.execute(select(CalendarDay.day, CalendarDay.kind)):
        (holidays if kind == "holiday" else workdays).add(day)
    base = cache.overrides
    calendar = Workdays(
        base.extra_holidays, base.extra_workdays, years, frozenset(holidays), frozenset(workdays)
    )
    with cache.lock:
        cache.loaded = (key, calendar)
    return calendar


def current_workdays(session: Session) -> Workdays:
    """The calendar last read for this runtime (every use case that computes a deadline reads
    the version first), or read now if none was."""
    cache = CALENDARS.of(session)
    with cache.lock:
        loaded = cache.loaded
    return loaded[1] if loaded is not None else load_calendar(session)


def year_view(session: Session, year: int) -> dict[str, Any]:
    _check_year(year)
    row = session.get(CalendarYear, year)
    days = session.execute(
        select(CalendarDay.day, CalendarDay.kind, CalendarDay.note)
        .where(CalendarDay.year == year)
        .order_by(CalendarDay.day)
    ).all()
    if row is None and package_covers(year):
        return {
            "year": year,
            "source": "package",
            "version": 0,
            "note": "chinesecalendar",
            "days": _package_days(year),
        }
    return {
        "year": year,
        "source": row.source if row else None,
        "version": row.version if row else 0,
        "note": row.note if row else None,
        "days": [{"date": d.isoformat(), "kind": k, "note": n} for d, k, n in days],
    }


def _package_days(year: int) -> list[dict[str, Any]]:
    from_package = load_package_year(year)
    return [{"date": d.isoformat(), "kind": k, "note": n} for d, k, n in from_package]


def load_package_year(year: int) -> list[tuple[date, str, str | None]]:
    """The exceptional days chinesecalendar knows for a year (to seed or compare)."""
    out: list[tuple[date, str, str | None]] = []
    day = date(year, 1, 1)
    while day.year == year:
        work = chinese_calendar.is_workday(day)
        if work != (day.weekday() < 5):
            out.append((day, "workday" if work else "holiday", None))
        day += timedelta(days=1)
    return out


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise Invalid("bad_year", "year must be between 2000 and 2100", field="year")


def parse_days_csv(text: str, year: int) -> list[tuple[date, str, str | None]]:
    """A year's file: `date,kind[,note]` per line (kind holiday or workday, or in Chinese: 休 or
    班 and the words of KIND_WORDS; a header line is allowed)."""
    out: dict[date, tuple[date, str, str | None]] = {}
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:  # a NUL, a stray CR inside a field: the file, not the server
        raise Invalid("bad_calendar", f"not a readable CSV file: {error}", field="file") from None
    if len(rows) > MAX_ROWS:
        raise Invalid("bad_calendar", f"at most {MAX_ROWS} lines", field="file")
    for n, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or (n == 1 and cells[0].lower() in ("date", "日期")):
            continue
        kind = cells[1] if len(cells) > 1 else ""
        out_row = _day(
            cells[0],
            KIND_WORDS.get(kind, kind),
            cells[2] if len(cells) > 2 else None,
            year,
            where=f"line {n}",
        )
        out[out_row[0]] = out_row
    return sorted(out.values())


def _day(
    text: str, kind: str, note: str | None, year: int, *, where: str
) -> tuple[date, str, str | None]:
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        raise Invalid(
            "bad_calendar", f"{where}: '{text[:20]}' is not a date (YYYY-MM-DD)", field="date"
        ) from error
    if day.year != year:
        raise Invalid("bad_calendar", f"{where}: {day} is not in {year}", field="date")
    if kind not in KINDS:
        raise Invalid(
            "bad_calendar", f"{where}: kind must be holiday or workday (休 or 班)", field="kind"
        )
    if kind == "workday" and day.weekday() < 5:
        raise Invalid(
            "bad_calendar",
            f"{where}: {day} is a weekday already; a 调休 workday is a weekend day",
            field="kind",
        )
    return day, kind, (note or None) and note[:60]


def replace_year(
    session: Session,
    year: int,
    days: Sequence[tuple[date, str, str | None]],
    *,
    source: str,
    note: str | None,
    by: str,
    now: datetime,
) -> dict[str, Any]:
    """A year's whole calendar, replaced as one edit (import, PUT, the admin form)."""
    _check_year(year)
    if source not in SOURCES:
        raise Invalid("bad_calendar", "source must be official or statutory", field="source")
    for d, k, n in days:
        _day(d.isoformat(), k, n, year, where=d.isoformat())
    before = load_calendar(session)
    _replace_days(session, year, days, source=source, note=note, by=by, now=now)
    recount_open_clocks(session, before, year, now)
    return year_view(session, year)


def _replace_days(
    session: Session,
    year: int,
    days: Sequence[tuple[date, str, str | None]],
    *,
    source: str,
    note: str | None,
    by: str,
    now: datetime,
) -> None:
    row = session.get(CalendarYear, year, with_for_update=True)
    if row is None:
        row = CalendarYear(
            year=year, source=source, version=1, note=note, updated_at=now, updated_by=by
        )
        session.add(row)
    else:
        row.source, row.note, row.updated_at, row.updated_by = source, note, now, by
        row.version += 1
    session.flush()
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    session.add_all([CalendarDay(day=d, year=year, kind=k, note=n) for d, k, n in days])
    session.flush()


def set_day(
    session: Session,
    day: date,
    kind: str,
    *,
    note: str | None,
    by: str,
    now: datetime,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """One day made a holiday or a 调休 workday (kind 'normal' removes the exception). A year not
    yet kept starts from what chinesecalendar knows of it, marked official only if it knew it.
    `expected_version` (the year's version a form showed, 0 for a year not kept yet) refuses
    an edit made from a page another edit has overtaken."""
    year = day.year
    _check_year(year)
    if kind != "normal":
        _day(day.isoformat(), kind, note, year, where=day.isoformat())
    before = load_calendar(session)
    row = session.get(CalendarYear, year, with_for_update=True)
    if expected_version is not None and (row.version if row else 0) != expected_version:
        raise Conflict("version_conflict", f"{year}年的日历刚被他人修改，请刷新后重新录入")
    if row is None:
        seed = load_package_year(year) if package_covers(year) else []
        _replace_days(
            session, year, seed, source=OFFICIAL if seed else STATUTORY, note=None, by=by, now=now
        )
        row = session.get(CalendarYear, year)
        assert row is not None
    session.execute(delete(CalendarDay).where(CalendarDay.day == day))
    if kind != "normal":
        session.add(CalendarDay(day=day, year=year, kind=kind, note=note))
    row.version += 1
    row.updated_at, row.updated_by = now, by
    session.flush()
    recount_open_clocks(session, before, year, now)
    return year_view(session, year)


def recount_open_clocks(session: Session, before: Workdays, year: int, now: datetime) -> int:
    """Running working-day clocks that reach into an edited year follow the edit: what was left
    of each at `now` under the old calendar is counted again from now under the new one (the
    pause/resume rule), so entering the State Council's notice in December moves the deadlines
    that fall in next Spring Festival. Time already counted stays counted; paused clocks keep
    their remaining time and take the new calendar when they resume. Returns the clocks moved."""
    after = load_calendar(session)
    year_start = datetime(year, 1, 1, tzinfo=BEIJING)
    open_clocks = session.scalars(
        select(Clock)
        .where(
            Clock.state == "running",
            Clock.calendar != "natural",
            Clock.due_at > now,
            Clock.due_at >= year_start,
        )
        .where(Clock.started_at < datetime(year + 1, 1, 1, tzinfo=BEIJING))
        .order_by(Clock.id)
        .with_for_update()
    )
    moved_cases: set[int] = set()
    moved = 0
    for clock in open_clocks:
        due = add_counted(
            clock.calendar, now, counted_between(clock.calendar, now, clock.due_at, before), after
        )
        warn = clock.warn_at
        if clock.warned_at is None and clock.warn_at > now:
            warn = add_counted(
                clock.calendar,
                now,
                counted_between(clock.calendar, now, clock.warn_at, before),
                after,
            )
        if (due, warn) == (clock.due_at, clock.warn_at):
            continue
        clock.due_at, clock.warn_at = due, warn
        clock.next_fire_at = warn if clock.warned_at is None else due
        moved += 1
        if clock.subject == "case":
            moved_cases.add(clock.subject_id)
    session.flush()
    for case_id in sorted(moved_cases):  # a case's deadline is its latest open clock's
        latest = session.scalar(
            select(func.max(Clock.due_at)).where(
                Clock.subject == "case",
                Clock.subject_id == case_id,
                Clock.state.in_(["running", "paused"]),
            )
        )
        if latest is not None:
            session.execute(update(Case).where(Case.id == case_id).values(due_at=latest))
    return moved


def calendar_status(session: Session, today: date, *, ahead_days: int = 60) -> dict[str, Any]:
    """What the banners, the metric and the worker's daily log warn about: each year from today
    to `ahead_days` ahead with no official calendar, and the days until it starts (0: it has)."""
    calendar = load_calendar(session)
    missing = [
        {
            "year": y,
            "coverage": calendar.coverage(y),
            "days_until": max((date(y, 1, 1) - today).days, 0),
        }
        for y in uncovered_years(calendar, today, ahead_days=ahead_days)
    ]
    return {"today": today.isoformat(), "uncovered": missing, "kept_years": sorted(calendar.years)}


def today_in_beijing(now: datetime) -> date:
    return now.astimezone(BEIJING).date()
