"""The worker's sweep: fire due clocks, each warning and breach exactly once.

Due rows are claimed in a batch with FOR UPDATE SKIP LOCKED on PostgreSQL, so any number of
workers share the sweep without waiting on each other (SQLite's single writer serialises
them). Each claimed row is re-checked under the lock, fired, and its firing recorded under a
unique key in the same transaction: a worker killed mid-batch rolls back and another fires
those clocks; none fires twice.

One clock whose handler raises never holds back the others (core/retries.py, the mechanism every
worker job shares): the batch first runs inside one SAVEPOINT (one flush per batch); if any
handler raises, it is redone clock by clock, each in a SAVEPOINT of its own: the good clocks fire
and commit together, the bad one gets its attempt count, last error and a back-off on its row,
and after MAX_ATTEMPTS it is parked (no next firing) and listed by `parked_clocks` and
`minyi parked list`.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.core.caches import Slot
from minyi.core.retries import RetryPolicy, handle_each
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.sla.hooks import notify_fired
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import BREACHED, RUNNING

log = logging.getLogger(__name__)
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
MAX_ATTEMPTS = 5
# 1, 2, 4, 8 … minutes, at most an hour: a handler broken for good is parked within the hour
# instead of being retried every tick.
RETRY = RetryPolicy(
    kind="clock",
    max_attempts=MAX_ATTEMPTS,
    first_delay=timedelta(minutes=1),
    max_delay=timedelta(hours=1),
)


def retry_delay(attempts: int) -> timedelta:
    return RETRY.delay(attempts)


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
    free_cases = (
        {
            c.id
            for c in session.scalars(
                select(Case).where(Case.id.in_(case_ids)).with_for_update(skip_locked=True)
            )
        }
        if case_ids
        else set()
    )
    due = [c for c in due if c.case_id is None or c.case_id in free_cases]
    return handle_each(
        session,
        due,
        lambda clocks: _fire_batch(session, clocks, now),
        policy=RETRY,
        now=now,
        state_of=lambda c: session.get(Clock, c.id),
        id_of=lambda c: c.id,
        batch_first=True,
    ).done


def _fire_batch(session: Session, due: list[Clock], now: datetime) -> int:
    firings: list[dict[str, object]] = []
    # No autoflush: one flush for the whole batch, not one per handler query.
    with session.no_autoflush:
        _fire(session, due, now, firings)
    if firings:
        session.execute(insert(ClockFiring), firings)
    session.flush()
    return len(firings)


def _fire(
    session: Session, due: list[Clock], now: datetime, firings: list[dict[str, object]]
) -> None:
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
    return list(
        session.scalars(select(Clock).where(Clock.parked_at.is_not(None)).order_by(Clock.parked_at))
    )


@dataclass
class _CheckedOn:
    day: date | None = None


CALENDAR_CHECKED: Slot[_CheckedOn] = Slot("sla.calendar_checked_on", _CheckedOn)


def check_calendar(session: Session, *, now: datetime) -> int:
    """Once a day per runtime (a worker): a warning in the log for each year within 60 days (or
    begun) that has no official holiday calendar, so an operator hears of it before Spring
    Festival counts as work. Returns 0: it never asks to be run again at once."""
    checked = CALENDAR_CHECKED.of(session)
    today = today_in_beijing(now)
    if checked.day == today:
        return 0
    checked.day = today
    for year in calendar_status(session, today)["uncovered"]:
        log.warning(
            "calendar_uncovered year=%s coverage=%s days_until=%s: enter the year's holidays and 调休 workdays "
            "(minyi calendar import, or the console's 节假日 page)",
            year["year"],
            year["coverage"] or "none",
            year["days_until"],
        )
    return 0
