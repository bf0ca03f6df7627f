"""How higher layers react to case actions without the cases package knowing them.

A package above `cases` (clocks, escalation, notifications) registers a handler at start-up;
`act_on_case` calls every handler after the action is applied, inside the same transaction,
so a handler's writes commit or roll back with the action itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minyi.org.rules import Actor


@dataclass(frozen=True)
class ActionDone:
    case_id: int
    action: str
    from_status: str
    to_status: str
    actor: Actor
    payload: dict[str, Any]
    at: datetime


Handler = Callable[[Session, ActionDone], None]
_handlers: dict[str, Handler] = {}


def on_case_action(name: str, handler: Handler) -> None:
    """Register (or replace, by name: registration is idempotent across app restarts in tests)."""
    _handlers[name] = handler


def notify_handlers(session: Session, done: ActionDone) -> None:
    for handler in list(_handlers.values()):
        handler(session, done)
