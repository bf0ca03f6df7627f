"""How higher layers react to case actions without the cases package knowing them.

A package above `cases` (clocks, escalation, notifications) adds a handler to the registry in
its `install` (see minyi.wiring for the order); `act_on_case` calls every handler after the
action is applied, inside the same transaction, so a handler's writes commit or roll back with
the action itself. Intake's group commit has two hooks of its own: planners before the new
cases are written, handlers after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.core.registry import Hook, registry_of
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
CASE_ACTION: Hook[Handler] = Hook("cases.action")

# A check that must run on the case before an action is decided (the complaint-target check
# before a dispatch): it may change the case, e.g. name units the action must then refuse.
BeforeAction = Callable[[Session, Case, str, datetime], None]
BEFORE_ACTION: Hook[BeforeAction] = Hook("cases.before_action")

# Whether a reply on this case must go to the lead unit's head first (答复审核): the clock
# policy and the dictionary leaf say, and both live above this package, so sla answers.
ReplyApproval = Callable[[Session, Case], bool]
REPLY_APPROVAL: Hook[ReplyApproval] = Hook("cases.reply_approval")


def notify_handlers(session: Session, done: ActionDone) -> None:
    for handler in registry_of(session).handlers(CASE_ACTION):
        handler(session, done)


def run_before_action(session: Session, case: Case, action: str, now: datetime) -> None:
    for check in registry_of(session).handlers(BEFORE_ACTION):
        check(session, case, action, now)


def reply_needs_approval(session: Session, case: Case) -> bool:
    return any(check(session, case) for check in registry_of(session).handlers(REPLY_APPROVAL))


def case_handler_names(session: Session) -> list[str]:
    """Who listens to case actions in the session's runtime (its registry: wiring.py)."""
    return registry_of(session).names(CASE_ACTION)


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


@dataclass
class CasePlan:
    """What the planners decided for a registered batch: column values of the case rows
    ({case_id: {column: value}}, a later planner wins a column) and rows of other tables to
    write once the case rows exist (the clocks), before any handler runs, so every handler of
    the batch sees them."""

    columns: dict[int, dict[str, Any]] = field(default_factory=dict)
    rows: list[tuple[type, list[dict[str, Any]]]] = field(default_factory=list)


BatchHandler = Callable[[Session, list[RegisteredCase]], None]
# A planner fills in case columns before the case rows are written (the clock policy and the
# due time), which saves updating every new row afterwards.
CasePlanner = Callable[[Session, list[RegisteredCase]], CasePlan]
CASES_PLANNED: Hook[CasePlanner] = Hook("cases.planned")
CASES_REGISTERED: Hook[BatchHandler] = Hook("cases.registered")


def plan_registered(session: Session, cases: list[RegisteredCase]) -> CasePlan:
    """Every planner's plan, merged in the registry's order."""
    plan = CasePlan()
    if cases:
        for planner in registry_of(session).handlers(CASES_PLANNED):
            one = planner(session, cases)
            for case_id, columns in one.columns.items():
                plan.columns.setdefault(case_id, {}).update(columns)
            plan.rows.extend(one.rows)
    return plan


def notify_registered(session: Session, cases: list[RegisteredCase]) -> None:
    if cases:
        for handler in registry_of(session).handlers(CASES_REGISTERED):
            handler(session, cases)
