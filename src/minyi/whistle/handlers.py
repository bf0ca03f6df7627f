"""Wire the whistle to the clocks: a summons whose report-in clock breaches is noted on the case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minyi.sla.hooks import on_clock_fired
from minyi.sla.models import Clock
from minyi.whistle.rules import SUBJECT
from minyi.whistle.service import record_overdue


def on_fired(session: Session, clock: Clock, kind: str, now: datetime) -> None:
    if kind == "breach" and clock.subject == SUBJECT:
        record_overdue(session, clock.subject_id, now=now)


def register() -> None:
    on_clock_fired("whistle", on_fired)
