"""How higher layers react to case actions without the cases package knowing them.

A package above `cases` (clocks, escalation, notifications) registers a handler at start-up;
`act_on_case` calls every handler after the action is applied, inside the same transaction,
so a handler's writes commit or roll back with the action itself. Intake's group commit has
two hooks of its own: planners before the new cases are written, handlers after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from minyi.cases.models import Case
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


def remove_case_handler(name: str) -> None:
    _handlers.pop(name, None)


def case_handler_names() -> list[str]:
    """Who listens to case actions: empty until an entry point wired the packages (wiring.py)."""
    return sorted(_handlers)


def notify_handlers(session: Session, done: ActionDone) -> None:
    for handler in list(_handlers.values()):
        handler(session, done)


# A check that must run on the case before an action is decided (the complaint-target check
# before a dispatch): it may change the case, e.g. name units the action must then refuse.
BeforeAction = Callable[[Session, Case, str, datetime], None]
_before: dict[str, BeforeAction] = {}


def before_case_action(name: str, check: BeforeAction) -> None:
    """Register (or replace, by name) a check `act_on_case` runs before deciding an action."""
    _before[name] = check


def run_before_action(session: Session, case: Case, action: str, now: datetime) -> None:
    for check in list(_before.values()):
        check(session, case, action, now)


@dataclass(frozen=True)
class RegisteredCase:
    """A case intake is registering, with what intake knows of it, so that handlers need not
    read back the rows the same transaction just wrote."""

    case_id: int
    tracking_no: str
    phone: str | None
    channel: str
    registered_at: datetime
    leaf_policy: str | None  # the dictionary leaf's policy, when intake already knew the leaf
    leaf_code: str | None = None
    class_name: str | None = None
    first_unit_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None
    crowd_size: int | None = None
    amount: Decimal | None = None
    text: str = ""  # title and body, one per line
    address: str | None = None
    grid_id: int | None = None
    planned_at: datetime | None = None  # the registering transaction's `now`
    # What the planners decided (intake copies it in after planning, for the handlers).
    identity_hidden_from: tuple[str, ...] = ()


BatchHandler = Callable[[Session, list[RegisteredCase]], None]
_batch_handlers: dict[str, BatchHandler] = {}

# A planner fills in case columns before the case rows are written (the clock policy and the
# due time), which saves updating every new row afterwards: {case_id: {column: value}}.
CasePlanner = Callable[[Session, list[RegisteredCase]], dict[int, dict[str, Any]]]
_planners: dict[str, CasePlanner] = {}


def on_cases_planned(name: str, planner: CasePlanner) -> None:
    """Called once per registered batch before its cases are inserted, inside its transaction."""
    _planners[name] = planner


def plan_registered(session: Session, cases: list[RegisteredCase]) -> dict[int, dict[str, Any]]:
    """The planners' column values per case id, merged (a later planner wins a column)."""
    values: dict[int, dict[str, Any]] = {}
    if cases:
        for planner in list(_planners.values()):
            for case_id, columns in planner(session, cases).items():
                values.setdefault(case_id, {}).update(columns)
    return values


def on_cases_registered(name: str, handler: BatchHandler) -> None:
    """Called once per registered batch (group commit), inside its transaction."""
    _batch_handlers[name] = handler


def remove_registered_handler(name: str) -> None:
    _batch_handlers.pop(name, None)


def notify_registered(session: Session, cases: list[RegisteredCase]) -> None:
    if cases:
        for handler in list(_batch_handlers.values()):
            handler(session, cases)
