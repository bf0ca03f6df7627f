"""Wire supervision to the clocks: a breached task or order clock marks it overdue, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minyi.core.registry import Registry
from minyi.sla.hooks import CLOCK_FIRED
from minyi.sla.models import Clock
from minyi.supervision.rules import ORDER_SUBJECT, TASK_SUBJECT
from minyi.supervision.service import mark_order_overdue, mark_task_overdue


def on_clock(session: Session, clock: Clock, kind: str, now: datetime) -> None:
    if kind != "breach":
        return
    if clock.subject == TASK_SUBJECT:
        mark_task_overdue(session, clock.subject_id, now=now)
    elif clock.subject == ORDER_SUBJECT:
        mark_order_overdue(session, clock.subject_id, now=now)


def install(registry: Registry) -> None:
    registry.add(CLOCK_FIRED, "supervision.overdue", on_clock)
