"""Case clocks and the pause/resume/extend use cases as the API and CLI call them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case, reader_views, visible_to
from minyi.cases.service import record_case_event
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.org.models import Staff
from minyi.org.rules import Actor, Role
from minyi.sla.models import Clock, ExtensionRequest
from minyi.sla.rules import parse_duration
from minyi.sla.service import (
    OPEN_STATES, BREACHED, clock_view, clocks_of, current_policies, extend_clock, pause_clocks, refresh_case_due,
    replan_case, resume_clocks,
)

# Who may stop a case's clocks (waiting for the citizen's materials) or grant an extension.
PAUSERS = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD, Role.DISPATCHER})
EXTENDERS = frozenset({Role.UNIT_HEAD, Role.DISPATCHER, Role.SUPERVISOR})
POLICY_SETTERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR})
# Who may ask for an extension: the people of the lead unit who do the work.
REQUESTERS = frozenset({Role.UNIT_HANDLER, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_STAFF})


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


def request_extension(
    session: Session, case_id: int, actor: Actor, *, milestone: str, days: float, reason: str, now: datetime,
) -> ExtensionRequest:
    """延期申请: the lead unit's handler asks; the head (or the centre) decides. Refused at once
    if the policy could never grant it, so nobody waits for an answer that must be no."""
    case = get_visible_case(session, case_id, actor, for_update=True)
    _check(actor, {case.lead_unit_id}, REQUESTERS, "request an extension")
    if actor.role in REQUESTERS and actor.unit_id != case.lead_unit_id:
        raise Forbidden("not_handling_unit", "only the lead unit may request an extension")
    if not reason.strip():
        raise Invalid("missing_field", "请填写延期理由", field="reason")
    policy = current_policies(session).policy(case.policy_code)[1]
    limit = next((m.max_extension for m in policy.milestones if m.code == milestone), None)
    clock = session.scalar(select(Clock).where(
        Clock.subject == "case", Clock.subject_id == case.id, Clock.milestone == milestone,
        Clock.state.in_([*OPEN_STATES, BREACHED]), Clock.completed_at.is_(None),
    ))
    if clock is None:
        raise NotFound("clock_not_found", "该时限已办结或不存在，无需延期")
    if limit is None:
        raise Conflict("not_extendable", f"“{clock.name}”不可延期")
    if clock.extended_seconds > 0:
        raise Conflict("already_extended", "该时限已延期过一次")
    if not 0 < days * 86400 <= parse_duration(limit).total_seconds():
        raise Invalid("bad_extension", f"延期最长{parse_duration(limit).days}天", field="days")
    pending = session.scalar(select(ExtensionRequest.id).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.milestone == milestone, ExtensionRequest.status == "pending",
    ))
    if pending is not None:
        raise Conflict("extension_pending", "该时限已有延期申请在等待审批")
    assert actor.staff_id is not None
    request = ExtensionRequest(
        case_id=case.id, milestone=milestone, days=days, reason=reason.strip(), requested_by_id=actor.staff_id,
        requested_at=now, status="pending",
    )
    session.add(request)
    session.flush()
    record_case_event(session, case, action="extension_request", actor_label=actor.username, actor_id=actor.staff_id, now=now,
                      reason=request.reason, payload={"milestone": milestone, "days": days, "request_id": request.id})
    return request


def decide_extension(
    session: Session, request_id: int, actor: Actor, *, approve: bool, note: str, now: datetime,
) -> ExtensionRequest:
    """The head of the lead unit (or the dispatcher, a supervisor) approves, which extends the
    clock (extend_case, within the policy's limit), or refuses with a reason the requester reads."""
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotFound("extension_not_found", f"no extension request {request_id}")
    case = get_visible_case(session, request.case_id, actor, for_update=True)
    _check(actor, {case.lead_unit_id}, EXTENDERS, "decide an extension")
    if request.status != "pending":
        raise Conflict("extension_decided", "该延期申请已处理")
    if not approve and not note.strip():
        raise Invalid("missing_field", "不同意延期须填写理由", field="note")
    if approve:
        extend_case(session, case.id, actor, milestone=request.milestone, days=request.days,
                    reason=note.strip() or request.reason, now=now)
    else:
        record_case_event(session, case, action="extension_refuse", actor_label=actor.username, actor_id=actor.staff_id,
                          now=now, reason=note.strip(), payload={"milestone": request.milestone, "request_id": request.id})
    request.status = "approved" if approve else "refused"
    request.decided_by_id, request.decided_at, request.decision_note = actor.staff_id, now, note.strip() or None
    session.flush()
    return request


def extension_requests(session: Session, actor: Actor, *, case_id: int | None = None, pending_only: bool = False) -> list[dict[str, Any]]:
    """Requests the reader may see: on one case, or (a head's queue) the pending ones of the
    cases their unit leads; each with the requester's and decider's names and the clock's name,
    the reasons through the reader's privacy view of the case (they may quote the citizen)."""
    stmt = (
        select(ExtensionRequest, Case).join(Case, Case.id == ExtensionRequest.case_id).where(visible_to(actor))
        .order_by(ExtensionRequest.requested_at)
    )
    if case_id is not None:
        stmt = stmt.where(ExtensionRequest.case_id == case_id)
    if pending_only:
        stmt = stmt.where(ExtensionRequest.status == "pending")
        if actor.role in (Role.UNIT_HANDLER, Role.UNIT_HEAD):
            stmt = stmt.where(Case.lead_unit_id == actor.unit_id)
    rows = list(session.execute(stmt))
    people = {s.id: s.name for s in session.scalars(select(Staff).where(
        Staff.id.in_({r.requested_by_id for r, _ in rows} | {r.decided_by_id for r, _ in rows if r.decided_by_id})
    ))}
    views = reader_views(session, actor, {c.id for _, c in rows})
    names = dict(session.execute(select(Clock.milestone, Clock.name).where(
        Clock.subject == "case", Clock.subject_id.in_({c.id for _, c in rows})
    )).all())
    return [
        {
            "id": r.id, "case_id": c.id, "tracking_no": c.tracking_no, "milestone": r.milestone,
            "milestone_name": names.get(r.milestone, r.milestone), "days": r.days, "reason": views[c.id].show_text(r.reason),
            "requested_by": people.get(r.requested_by_id, ""), "requested_at": r.requested_at, "status": r.status,
            "decided_by": people.get(r.decided_by_id or 0), "decided_at": r.decided_at,
            "decision_note": views[c.id].show_text(r.decision_note),
        }
        for r, c in rows
    ]
