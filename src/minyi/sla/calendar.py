"""Business calendars: which instants count toward a deadline. Pure code, no clock reads.

- natural: every second counts.
- workdays: every second of a working day counts (China's official holidays and 调休 working
  weekends from chinesecalendar, plus local overrides for years it does not cover).
- workhours: only office hours (09:00-12:00, 14:00-18:00 Beijing time) of working days count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

BEIJING = ZoneInfo("Asia/Shanghai")
OFFICE_HOURS = ((time(9, 0), time(12, 0)), (time(14, 0), time(18, 0)))
_MAX_DAYS = 3660  # no deadline is ten years away; guards the day-by-day walk


@dataclass(frozen=True)
class Workdays:
    """China's working days, with local overrides (ISO dates) that win over the package."""

    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_strings(cls, holidays: Iterable[str] = (), workdays: Iterable[str] = ()) -> Workdays:
        return cls(frozenset(date.fromisoformat(d) for d in holidays), frozenset(date.fromisoformat(d) for d in workdays))

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            # A year the package does not know yet: weekdays, until an admin adds overrides.
            return day.weekday() < 5


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
        return [(datetime.combine(day, a, BEIJING), datetime.combine(day, b, BEIJING)) for a, b in OFFICE_HOURS]
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
