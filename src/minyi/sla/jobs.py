"""The worker's sweep: fire due clocks, each warning and breach exactly once.

Due rows are claimed in a batch with FOR UPDATE SKIP LOCKED on PostgreSQL, so any number of
workers share the sweep without waiting on each other (SQLite's single writer serialises
them). Each claimed row is re-checked under the lock, fired, and its firing recorded under a
unique key in the same transaction: a worker killed mid-batch rolls back and another fires
those clocks; none fires twice.

One clock whose handler raises never holds back the others. The batch first runs inside one
SAVEPOINT (the cheap path: one flush and one savepoint per batch, as before). If any handler
raises, that savepoint is rolled back (the row locks taken before it stay held) and the batch is
redone clock by clock, each in a SAVEPOINT of its own: the good clocks fire and commit together,
the bad one gets its attempt count, last error and a back-off on its row, and after
MAX_ATTEMPTS it is parked (no next firing) and listed by `parked_clocks`. Savepoints rather than
one transaction per clock keep the batch claim (SKIP LOCKED) and a single commit, and give the
same isolation: a rolled-back savepoint leaves nothing of the bad handler's writes.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.sla.hooks import notify_fired
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import BREACHED, RUNNING

log = logging.getLogger(__name__)
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
MAX_ATTEMPTS = 5


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most an hour: a handler broken for good is parked within the
    hour instead of being retried every tick."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


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
    due_ids = [c.id for c in due]
    try:
        with session.begin_nested():
            return _fire_batch(session, due, now)
    except Exception:  # noqa: BLE001 - any handler error: find the bad clock, fire the rest
        log.warning("clock batch failed; firing its %d clocks one by one", len(due_ids))
    fired = 0
    for clock_id in due_ids:
        clock = session.get(Clock, clock_id)
        if clock is None:
            continue
        try:
            with session.begin_nested():
                fired += _fire_batch(session, [clock], now)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, retried with back-off
            _record_failure(session, clock_id, exc, now)
    session.flush()
    return fired


def _fire_batch(session: Session, due: list[Clock], now: datetime) -> int:
    firings: list[dict[str, object]] = []
    # No autoflush: one flush for the whole batch, not one per handler query.
    with session.no_autoflush:
        _fire(session, due, now, firings)
    if firings:
        session.execute(insert(ClockFiring), firings)
    session.flush()
    return len(firings)


def _record_failure(session: Session, clock_id: int, exc: Exception, now: datetime) -> None:
    clock = session.get(Clock, clock_id)
    if clock is None:
        return
    clock.fire_attempts += 1
    clock.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if clock.fire_attempts >= MAX_ATTEMPTS:
        clock.next_fire_at, clock.parked_at = None, now
        log.error("clock %s parked after %d failed firings: %s", clock_id, clock.fire_attempts, clock.last_error)
    else:
        clock.next_fire_at = now + retry_delay(clock.fire_attempts)
        log.warning("clock %s failed to fire (attempt %d), retry at %s: %s", clock_id, clock.fire_attempts, clock.next_fire_at, clock.last_error)
    session.flush()


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
        if clock.fire_attempts:
            clock.fire_attempts, clock.last_error = 0, None


def parked_clocks(session: Session) -> list[Clock]:
    """Clocks the worker gave up on: fix the cause, then `extend`/`resume` or re-arm them."""
    return list(session.scalars(select(Clock).where(Clock.parked_at.is_not(None)).order_by(Clock.parked_at)))


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
