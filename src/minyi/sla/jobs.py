"""The worker's sweep: fire due clocks, each warning and breach exactly once.

Due rows are claimed in a batch with FOR UPDATE SKIP LOCKED on PostgreSQL (their cases first,
as actions lock them), so any number of workers share the sweep without waiting on each other (SQLite's single writer serialises
them). Each claimed row is re-checked under the lock, fired, and its firing recorded under a
unique key in the same transaction: a worker killed mid-batch rolls back and another fires
those clocks; none fires twice.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.sla.hooks import notify_fired
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import BREACHED, RUNNING

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def fire_due_clocks(session: Session, *, now: datetime, limit: int = 500) -> int:
    candidates = session.execute(
        select(Clock.id, Clock.case_id).where(Clock.state == RUNNING, Clock.next_fire_at <= now).order_by(Clock.next_fire_at).limit(limit)
    ).all()
    # Lock in the order an action does (case, then its clocks), so a firing and an action on
    # the same case never deadlock; a case busy right now is fired on the next sweep.
    case_ids = {case_id for _, case_id in candidates if case_id is not None}
    # Loading the locked cases whole puts them in the session, so handlers find them there.
    free_cases = {c.id for c in session.scalars(select(Case).where(Case.id.in_(case_ids)).with_for_update(skip_locked=True))} if case_ids else set()
    ids = [clock_id for clock_id, case_id in candidates if case_id is None or case_id in free_cases]
    due = list(
        session.scalars(
            select(Clock)
            .where(Clock.id.in_(ids), Clock.state == RUNNING, Clock.next_fire_at <= now)
            .order_by(Clock.next_fire_at)
            .with_for_update(skip_locked=True)
        )
    ) if ids else []
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
