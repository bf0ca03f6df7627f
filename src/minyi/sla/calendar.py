"""Business calendars: which instants count toward a deadline. Pure code, no clock reads.

- natural: every second counts.
- workdays: every second of a working day counts. Which days work is data: the years an
  administrator keeps in the calendar tables (holidays and 调休 working weekends) win; other
  years come from chinesecalendar; a year neither covers counts plain weekdays, and says so
  (a warning in the log, once per year and process, and `uncovered_years` for the metric).
- workhours: only office hours (09:00-12:00, 14:00-18:00 Beijing time) of working days count.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
OFFICE_HOURS = ((time(9, 0), time(12, 0)), (time(14, 0), time(18, 0)))
_MAX_DAYS = 3660  # no deadline is ten years away; guards the day-by-day walk


OFFICIAL, STATUTORY, PACKAGE = "official", "statutory", "package"
_uncovered_seen: set[int] = set()
_uncovered_lock = threading.Lock()


def package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class Workdays:
    """China's working days: the administrator's years (`years`: year -> source, with their
    exceptional `holidays` and `workdays`), then chinesecalendar, then plain weekdays; local
    overrides from settings (ISO dates) win over everything."""

    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    years: dict[int, str] = field(default_factory=dict)
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_strings(cls, holidays: Iterable[str] = (), workdays: Iterable[str] = ()) -> Workdays:
        return cls(
            frozenset(date.fromisoformat(d) for d in holidays),
            frozenset(date.fromisoformat(d) for d in workdays),
        )

    def coverage(self, year: int) -> str | None:
        """official / statutory (holidays by law only, no 调休 yet) / package / None (uncovered)."""
        if year in self.years:
            return self.years[year]
        return PACKAGE if package_covers(year) else None

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if day.year in self.years:
            if day in self.workdays:
                return True
            return day not in self.holidays and day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            _warn_uncovered(day.year)
            return day.weekday() < 5


def _warn_uncovered(year: int) -> None:
    """Never silently: a deadline counted in a year without a calendar counts plain weekdays
    (refusing would stop intake on New Year's Day), and the log says so once per process."""
    with _uncovered_lock:
        if year in _uncovered_seen:
            return
        _uncovered_seen.add(year)
    log.warning(
        "calendar_uncovered year=%s: working days counted as plain Monday-Friday; enter the year's holidays (minyi calendar import)",
        year,
    )


def uncovered_years(calendar: Workdays, today: date, *, ahead_days: int = 60) -> list[int]:
    """Years from today to `ahead_days` ahead with no official calendar: what the banners and the
    metric warn about (a statutory-only year counts, its 调休 days are still missing)."""
    years = sorted({today.year, (today + timedelta(days=ahead_days)).year})
    return [y for y in years if calendar.coverage(y) not in (OFFICIAL, PACKAGE)]


def _counted_spans(kind: str, day: date, workdays: Workdays) -> list[tuple[datetime, datetime]]:
    """The counted intervals of one local day, as aware datetimes."""
    start = datetime.combine(day, time(0), BEIJING)
    if kind == "natural":
        return [(start, start + timedelta(days=1))]
    if not workdays.is_workday(day):
        return []
    if kind == "workdays":
        return [(start, start + timedelta(days=1))]
    if kind == "workhours":
        return [
            (datetime.combine(day, a, BEIJING), datetime.combine(day, b, BEIJING))
            for a, b in OFFICE_HOURS
        ]
    raise ValueError(f"unknown calendar '{kind}'")


CALENDARS = ("natural", "workdays", "workhours")


def add_counted(kind: str, start: datetime, seconds: float, workdays: Workdays) -> datetime:
    """The instant at which `seconds` of counted time have passed since `start`."""
    if kind == "natural":
        return start + timedelta(seconds=seconds)
    remaining = timedelta(seconds=seconds)
    local = start.astimezone(BEIJING)
    day = local.date()
    for _ in range(_MAX_DAYS):
        for a, b in _counted_spans(kind, day, workdays):
            a = max(a, local)
            if a >= b:
                continue
            if b - a >= remaining:
                return (a + remaining).astimezone(start.tzinfo)
            remaining -= b - a
        day += timedelta(days=1)
    raise ValueError("deadline too far away")


def counted_between(kind: str, start: datetime, end: datetime, workdays: Workdays) -> float:
    """Counted seconds in [start, end): what is left of a clock when it is paused."""
    if end <= start:
        return 0.0
    if kind == "natural":
        return (end - start).total_seconds()
    total = timedelta()
    local_start, local_end = start.astimezone(BEIJING), end.astimezone(BEIJING)
    day = local_start.date()
    while day <= local_end.date():
        for a, b in _counted_spans(kind, day, workdays):
            a, b = max(a, local_start), min(b, local_end)
            if b > a:
                total += b - a
        day += timedelta(days=1)
    return total.total_seconds()
