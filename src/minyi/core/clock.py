"""The one source of time. Edges read it once per unit of work and pass `now` down."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# The district's zone: its days (the report's, the roll-ups', the assessment's periods) begin at
# its midnight. Migrations keep their own frozen copy.
DISTRICT_ZONE = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock tests move by hand; thread-safe because servers read it from many threads."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC, so re-attach it."""
    tz = value.tzinfo
    if tz is UTC:  # the common case (the clock's own values): astimezone costs ~1 µs each
        return value
    return value.replace(tzinfo=UTC) if tz is None else value.astimezone(UTC)


def local_day(at: datetime) -> date:
    """The district's day of an instant (a naive value is UTC, as SQLite returns it)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(DISTRICT_ZONE).date()


def midnight(day: date) -> datetime:
    """The instant the district's `day` begins."""
    return datetime.combine(day, time(0), tzinfo=DISTRICT_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The district's `day` as [start, end)."""
    return midnight(day), midnight(day + timedelta(days=1))
