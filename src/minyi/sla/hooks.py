"""Packages above `sla` react to a clock's warning or breach (escalation lifts a case, notify
tells the unit head) by adding a handler to the registry, called inside the firing transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from minyi.core.registry import Hook, registry_of
from minyi.sla.models import Clock

Handler = Callable[[Session, Clock, str, datetime], None]
CLOCK_FIRED: Hook[Handler] = Hook("sla.clock_fired")


def notify_fired(session: Session, clock: Clock, kind: str, now: datetime) -> None:
    for handler in registry_of(session).handlers(CLOCK_FIRED):
        handler(session, clock, kind, now)
