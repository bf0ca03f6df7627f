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


@dataclass(frozen=True)
class RegisteredCase:
    case_id: int
    tracking_no: str
    phone: str | None
    channel: str
    registered_at: datetime
    leaf_policy: str | None  # the dictionary leaf's policy, when intake already knew the leaf


BatchHandler = Callable[[Session, list[RegisteredCase]], None]
_batch_handlers: dict[str, BatchHandler] = {}


def on_cases_registered(name: str, handler: BatchHandler) -> None:
    """Called once per registered batch (group commit), inside its transaction."""
    _batch_handlers[name] = handler


def notify_registered(session: Session, cases: list[RegisteredCase]) -> None:
    if cases:
        for handler in list(_batch_handlers.values()):
            handler(session, cases)
