"""The worker's job: issue yesterday's daily report once the local time reaches the configured
hour (MINYI_REPORT_DAILY_AT, default 08:00, in MINYI_TIMEZONE). Several workers may run it at
once: the issue's unique `edition_key` lets exactly one of them issue, the others do nothing."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict
from minyi.core.settings import Settings
from minyi.reports.rules import ReportKind, day_due, parse_daily_at
from minyi.reports.service import issue_daily_report, original_of_day

log = logging.getLogger(__name__)
WORKER = "worker"


@dataclass(frozen=True)
class Schedule:
    daily_at: time
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> Schedule:
        return cls(parse_daily_at(settings.report_daily_at), ZoneInfo(settings.timezone))


class _ScheduleHolder:
    """The process's schedule: the worker calls `job(session, now=now)`, so it cannot be passed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._schedule: Schedule | None = None

    def set(self, schedule: Schedule | None) -> None:
        with self._lock:
            self._schedule = schedule

    def get(self) -> Schedule:
        with self._lock:
            if self._schedule is None:
                self._schedule = Schedule.from_settings(Settings())
            return self._schedule


_holder = _ScheduleHolder()


def configure_schedule(schedule: Schedule | None) -> None:
    """Set the schedule later runs use; None goes back to reading Settings() on first use."""
    _holder.set(schedule)


def issue_due_daily_report(session: Session, *, now: datetime) -> int:
    schedule = _holder.get()
    day = day_due(now, schedule.tz, schedule.daily_at)
    if day is None or original_of_day(session, ReportKind.DAILY, day) is not None:
        return 0
    try:
        # A savepoint: losing the race to another worker rolls back this issue (and the number
        # it took) without failing the rest of the worker's transaction.
        with session.begin_nested():
            issue = issue_daily_report(session, day=day, now=now, tz=schedule.tz, issued_by=WORKER)
    except (IntegrityError, Conflict):
        log.info("the daily report of %s was issued by another worker", day)
        return 0
    log.info("issued %s", issue.title)
    return 1


WORKER_JOBS = {"issue_daily_report": issue_due_daily_report}
