"""Wire the whistle to the clocks: a summons whose report-in clock breaches is noted on the case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minyi.core.registry import Registry
from minyi.sla.hooks import CLOCK_FIRED
from minyi.sla.models import Clock
from minyi.whistle.rules import SUBJECT
from minyi.whistle.service import record_overdue


def on_fired(session: Session, clock: Clock, kind: str, now: datetime) -> None:
    if kind == "breach" and clock.subject == SUBJECT:
        record_overdue(session, clock.subject_id, now=now)


def install(registry: Registry) -> None:
    registry.add(CLOCK_FIRED, "whistle.overdue", on_fired)
