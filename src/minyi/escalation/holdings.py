"""Leader case-holding (包案 → 销案): take, plan (一案一策), receptions and home visits, and the
release that needs the 三到位一处理 review approved. Every step is a case timeline event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case
from minyi.cases.rules import CaseStatus, is_open
from minyi.cases.service import record_case_event
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.escalation.models import CaseEscalation, Holding, HoldingVisit
from minyi.escalation.rules import (
    VISIT_ZH,
    HoldingStatus,
    VisitKind,
    check_may_approve,
    check_may_take,
    check_review,
)
from minyi.org.models import Staff
from minyi.org.rules import Actor

PLAN_MAX = 20_000


def take_case(
    session: Session, case_id: int, *, actor: Actor, plan: str | None, now: datetime
) -> Holding:
    check_may_take(actor.role)
    case = get_visible_case(session, case_id, actor, for_update=True)
    if not is_open(CaseStatus(case.status)):
        raise Conflict(
            "case_not_open", f"case {case_id} is {case.status}; only an open case can be held"
        )
    held = session.scalar(select(Holding).where(Holding.active_case_id == case.id))
    if held is not None:
        holder = session.get(Staff, held.leader_id)
        raise Conflict(
            "already_held",
            f"case {case_id} is already held by {holder.name if holder else held.leader_id}",
            holding_id=held.id,
        )
    plan = _plan_text(plan) if plan is not None else None
    esc = session.get(CaseEscalation, case.id)
    holding = Holding(
        case_id=case.id,
        active_case_id=case.id,
        leader_id=actor.staff_id,
        level=esc.level if esc else None,
        status=HoldingStatus.HELD.value,
        taken_at=now,
        plan=plan,
        plan_updated_at=now if plan else None,
    )
    session.add(holding)
    session.flush()
    _event(
        session,
        case,
        actor,
        now,
        "holding_take",
        f"{actor.name}包案",
        {"holding_id": holding.id, "level": holding.level, "has_plan": bool(plan)},
    )
    return holding


def write_plan(
    session: Session, holding_id: int, *, actor: Actor, plan: str, now: datetime
) -> Holding:
    holding, case = _own_active(session, holding_id, actor)
    if holding.status != HoldingStatus.HELD:
        raise Conflict("release_pending", "the release is waiting for approval; the plan is frozen")
    holding.plan = _plan_text(plan)
    holding.plan_updated_at = now
    _event(session, case, actor, now, "holding_plan", "一案一策", {"holding_id": holding.id})
    session.flush()
    return holding


def record_visit(
    session: Session,
    holding_id: int,
    *,
    actor: Actor,
    kind: str,
    visited_at: datetime,
    place: str,
    people: int,
    notes: str,
    now: datetime,
) -> HoldingVisit:
    holding, case = _own_active(session, holding_id, actor)
    if kind not in VisitKind.__members__.values():
        raise Invalid(
            "bad_visit_kind", "kind must be reception (接访) or home_visit (家访)", field="kind"
        )
    if visited_at.tzinfo is None:
        raise Invalid("naive_time", "the visit time needs a UTC offset", field="at")
    if visited_at > now:
        raise Invalid("future_visit", "a visit is recorded after it happened", field="at")
    place, notes = place.strip(), notes.strip()
    if not place:
        raise Invalid("missing_field", "'place' is required", field="place")
    if not notes:
        raise Invalid("missing_field", "'notes' is required", field="notes")
    if people < 1:
        raise Invalid("bad_people", "at least one person was met", field="people")
    visit = HoldingVisit(
        holding_id=holding.id,
        case_id=case.id,
        kind=kind,
        visited_at=visited_at,
        place=place,
        people=people,
        notes=notes,
        recorded_by_id=actor.staff_id,
        recorded_at=now,
    )
    session.add(visit)
    session.flush()
    _event(
        session,
        case,
        actor,
        now,
        "holding_visit",
        notes,
        {
            "holding_id": holding.id,
            "visit_id": visit.id,
            "kind": kind,
            "kind_label": VISIT_ZH[kind],
            "place": place,
            "people": people,
            "at": visited_at.isoformat(),
        },
    )
    return visit


def request_release(
    session: Session, holding_id: int, *, actor: Actor, review: dict[str, Any], now: datetime
) -> Holding:
    holding, case = _own_active(session, holding_id, actor)
    if holding.status != HoldingStatus.HELD:
        raise Conflict("release_pending", "a release is already waiting for approval")
    if not (holding.plan or "").strip():
        raise Conflict(
            "no_plan", "write the case plan (一案一策) before asking to release the case"
        )
    filled = check_review(review)
    for key, value in filled.items():
        setattr(holding, key, value)
    holding.status = HoldingStatus.RELEASE_REQUESTED.value
    holding.release_requested_at = now
    holding.decided_by_id = holding.decided_at = holding.decision_note = None
    _event(
        session,
        case,
        actor,
        now,
        "holding_release",
        "申请销案（三到位一处理）",
        {"holding_id": holding.id, **filled},
    )
    session.flush()
    return holding


def decide_release(
    session: Session,
    holding_id: int,
    *,
    actor: Actor,
    approve: bool,
    note: str | None,
    now: datetime,
) -> Holding:
    holding = _load(session, holding_id, actor, for_update=True)
    holder = session.get(Staff, holding.leader_id)
    assert holder is not None
    me = session.get(Staff, actor.staff_id) if actor.staff_id else None
    check_may_approve(
        role=actor.role,
        title=me.title if me else None,
        staff_id=actor.staff_id,
        holder_id=holder.id,
        holder_title=holder.title,
    )
    if holding.status != HoldingStatus.RELEASE_REQUESTED:
        raise Conflict(
            "no_release_request", f"holding {holding_id} is {holding.status}; nothing to decide"
        )
    note = (note or "").strip() or None
    if not approve and note is None:
        raise Invalid("missing_field", "'reason' is required to refuse a release", field="reason")
    holding.decided_by_id, holding.decided_at, holding.decision_note = actor.staff_id, now, note
    if approve:
        holding.status = HoldingStatus.CLOSED.value
        holding.closed_at = now
        holding.active_case_id = None
    else:
        holding.status = HoldingStatus.HELD.value
    case = session.get(Case, holding.case_id)
    assert case is not None
    _event(
        session,
        case,
        actor,
        now,
        "holding_approve" if approve else "holding_refuse",
        note or ("同意销案" if approve else None),
        {"holding_id": holding.id, "leader": holder.username},
    )
    session.flush()
    return holding


def _load(session: Session, holding_id: int, actor: Actor, *, for_update: bool = False) -> Holding:
    stmt = select(Holding).where(Holding.id == holding_id)
    holding = session.scalar(stmt.with_for_update() if for_update else stmt)
    if holding is None:
        raise NotFound("holding_not_found", f"no holding {holding_id}")
    get_visible_case(session, holding.case_id, actor)  # out of scope reads as not found
    return holding


def _own_active(session: Session, holding_id: int, actor: Actor) -> tuple[Holding, Case]:
    holding = _load(session, holding_id, actor, for_update=True)
    if holding.leader_id != actor.staff_id:
        raise Forbidden("not_holder", "only the leader holding the case may do this")
    if holding.status == HoldingStatus.CLOSED:
        raise Conflict("holding_closed", f"holding {holding_id} was released (销案)")
    case = session.get(Case, holding.case_id)
    assert case is not None
    return holding, case


def _plan_text(plan: str) -> str:
    text = plan.strip()
    if not text:
        raise Invalid("missing_field", "'plan' is required", field="plan")
    if len(text) > PLAN_MAX:
        raise Invalid("plan_too_long", f"a plan has at most {PLAN_MAX} characters", field="plan")
    return text


def _event(
    session: Session,
    case: Case,
    actor: Actor,
    now: datetime,
    action: str,
    reason: str | None,
    payload: dict[str, Any],
) -> None:
    record_case_event(
        session,
        case,
        action=action,
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=reason,
        payload=payload,
    )
