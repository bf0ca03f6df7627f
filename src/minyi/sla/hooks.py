"""Packages above `sla` react to a clock's warning or breach (escalation lifts a case, notify
tells the unit head) by registering a handler, called inside the firing transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from minyi.sla.models import Clock

Handler = Callable[[Session, Clock, str, datetime], None]
_handlers: dict[str, Handler] = {}


def on_clock_fired(name: str, handler: Handler) -> None:
    _handlers[name] = handler


def notify_fired(session: Session, clock: Clock, kind: str, now: datetime) -> None:
    for handler in list(_handlers.values()):
        handler(session, clock, kind, now)


def remove_clock_handler(name: str) -> None:
    _handlers.pop(name, None)
