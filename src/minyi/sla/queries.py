"""Case clocks and the pause/resume/extend use cases as the API and CLI call them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case
from minyi.cases.service import record_case_event
from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Actor, Role
from minyi.sla.models import Clock
from minyi.sla.service import (
    clock_view, clocks_of, current_policies, extend_clock, pause_clocks, refresh_case_due, replan_case, resume_clocks,
)

# Who may stop a case's clocks (waiting for the citizen's materials) or grant an extension.
PAUSERS = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD, Role.DISPATCHER})
EXTENDERS = frozenset({Role.UNIT_HEAD, Role.DISPATCHER, Role.SUPERVISOR})
POLICY_SETTERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR})


def urgency_order() -> list[Any]:
    """ORDER BY for a case list, most urgent first: the case's nearest deadline among its running
    and breached clocks (a breached one lies in the past, so red comes first, then the clocks
    about to turn), cases with no running clock last, newest first among equals. A paused clock
    is not counted: its due time moves when it resumes."""
    next_due = (
        select(func.min(Clock.due_at))
        .where(Clock.subject == "case", Clock.subject_id == Case.id, Clock.state.in_(("running", "breached")))
        .correlate(Case).scalar_subquery()
    )
    return [next_due.is_(None), next_due, Case.registered_at.desc(), Case.id.desc()]


def case_clocks(session: Session, case_id: int, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    get_visible_case(session, case_id, actor)
    return [clock_view(c, now) for c in clocks_of(session, "case", [case_id]).get(case_id, [])]


def _check(actor: Actor, case_unit_ids: set[int | None], allowed: frozenset[Role], what: str) -> None:
    if actor.role not in allowed:
        raise Forbidden("role_not_allowed", f"role '{actor.role}' may not {what}")
    if actor.role in (Role.UNIT_HANDLER, Role.UNIT_HEAD) and actor.unit_id not in case_unit_ids:
        raise Forbidden("not_handling_unit", f"only the lead unit may {what}")


def pause_case(session: Session, case_id: int, actor: Actor, *, reason: str, now: datetime) -> list[dict[str, Any]]:
    case = get_visible_case(session, case_id, actor, for_update=True)
    _check(actor, {case.lead_unit_id}, PAUSERS, "pause the clocks")
    clocks = pause_clocks(session, subject="case", subject_id=case.id, reason=reason, now=now)
    record_case_event(session, case, action="clock_pause", actor_label=actor.username, actor_id=actor.staff_id, now=now, reason=reason, payload={"milestones": [c.milestone for c in clocks]})
    return [clock_view(c, now) for c in clocks]


def resume_case(session: Session, case_id: int, actor: Actor, *, now: datetime) -> list[dict[str, Any]]:
    case = get_visible_case(session, case_id, actor, for_update=True)
    _check(actor, {case.lead_unit_id}, PAUSERS, "resume the clocks")
    clocks = resume_clocks(session, subject="case", subject_id=case.id, now=now)
    record_case_event(session, case, action="clock_resume", actor_label=actor.username, actor_id=actor.staff_id, now=now, payload={"milestones": [c.milestone for c in clocks]})
    return [clock_view(c, now) for c in clocks]


def extend_case(session: Session, case_id: int, actor: Actor, *, milestone: str, days: float, reason: str, now: datetime) -> dict[str, Any]:
    """The unit head (or the centre) approves one extension within the policy's limit."""
    case = get_visible_case(session, case_id, actor, for_update=True)
    _check(actor, {case.lead_unit_id}, EXTENDERS, "approve an extension")
    policy = current_policies(session).policy(case.policy_code)[1]
    limit = next((m.max_extension for m in policy.milestones if m.code == milestone), None)
    clock = extend_clock(session, subject="case", subject_id=case.id, milestone=milestone, extra=timedelta(days=days), limit=limit, now=now)
    if clock.due_at > (case.due_at or clock.due_at):
        case.due_at = clock.due_at
    record_case_event(session, case, action="clock_extend", actor_label=actor.username, actor_id=actor.staff_id, now=now, reason=reason, payload={"milestone": milestone, "days": days, "due_at": clock.due_at.isoformat()})
    return clock_view(clock, now)


def set_case_policy(session: Session, case_id: int, actor: Actor, *, policy: str, reason: str, now: datetime) -> list[dict[str, Any]]:
    """A policy for this one case (a 重点件 put on 10-30-24, a letter on the statutory clock):
    its open clocks restart under that policy from registration."""
    case = get_visible_case(session, case_id, actor, for_update=True)
    _check(actor, set(), POLICY_SETTERS, "set a case's clock policy")
    policies = current_policies(session)
    if policy not in policies.policies:
        raise Invalid("unknown_policy", f"no clock policy '{policy}'", field="policy")
    case.policy_code = policy
    replan_case(session, case, policies.policies[policy], now)
    session.flush()
    refresh_case_due(session, case)
    record_case_event(session, case, action="clock_policy", actor_label=actor.username, actor_id=actor.staff_id, now=now, reason=reason, payload={"policy": policy})
    return [clock_view(c, now) for c in clocks_of(session, "case", [case.id]).get(case.id, [])]
