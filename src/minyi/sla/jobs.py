"""The worker's sweep: fire due clocks, each warning and breach exactly once.

Due rows are claimed in a batch with FOR UPDATE SKIP LOCKED on PostgreSQL, so any number of
workers share the sweep without waiting on each other (SQLite's single writer serialises
them). Each claimed row is re-checked under the lock, fired, and its firing recorded under a
unique key in the same transaction: a worker killed mid-batch rolls back and another fires
those clocks; none fires twice.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.sla.hooks import notify_fired
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import BREACHED, RUNNING

log = logging.getLogger(__name__)
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def fire_due_clocks(session: Session, *, now: datetime, limit: int = 500) -> int:
    due = list(
        session.scalars(
            select(Clock)
            .where(Clock.state == RUNNING, Clock.next_fire_at <= now)
            .order_by(Clock.next_fire_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    # Their cases too, but never waiting for one: an action holding a case (and waiting for
    # one of these clocks) is skipped, so the two cannot deadlock; that clock fires next sweep.
    # Loading the cases whole puts them in the session, where the handlers find them.
    case_ids = {c.case_id for c in due if c.case_id is not None}
    free_cases = {c.id for c in session.scalars(select(Case).where(Case.id.in_(case_ids)).with_for_update(skip_locked=True))} if case_ids else set()
    due = [c for c in due if c.case_id is None or c.case_id in free_cases]
    firings = []
    # No autoflush: one flush for the whole batch, not one per handler query.
    with session.no_autoflush:
        _fire(session, due, now, firings)
    if firings:
        session.execute(insert(ClockFiring), firings)
    session.flush()
    return len(firings)


def _fire(session: Session, due: list[Clock], now: datetime, firings: list[dict[str, object]]) -> None:
    for clock in due:
        if clock.state != RUNNING or clock.next_fire_at is None or clock.next_fire_at > now:
            continue  # changed between the sweep and the lock
        if clock.warned_at is None and now < clock.due_at:
            kind = "warning"
            clock.warned_at = now
            clock.next_fire_at = clock.due_at
        else:
            kind = "breach"
            clock.state, clock.breached_at, clock.next_fire_at = BREACHED, now, None
        firings.append({"clock_id": clock.id, "kind": kind, "fired_at": now, "worker": WORKER_NAME})
        notify_fired(session, clock, kind, now)


_calendar_checked_on: date | None = None


def check_calendar(session: Session, *, now: datetime) -> int:
    """Once a day per worker: a warning in the log for each year within 60 days (or begun) that
    has no official holiday calendar, so an operator hears of it before Spring Festival counts
    as work. Returns 0: it never asks to be run again at once."""
    global _calendar_checked_on  # noqa: PLW0603 - per-process: one warning a day from each worker
    today = today_in_beijing(now)
    if _calendar_checked_on == today:
        return 0
    _calendar_checked_on = today
    for year in calendar_status(session, today)["uncovered"]:
        log.warning(
            "calendar_uncovered year=%s coverage=%s days_until=%s: enter the year's holidays and 调休 workdays "
            "(minyi calendar import, or the console's 节假日 page)", year["year"], year["coverage"] or "none", year["days_until"],
        )
    return 0


WORKER_JOBS = {"fire_clocks": fire_due_clocks, "check_calendar": check_calendar}
