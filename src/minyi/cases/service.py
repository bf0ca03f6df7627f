"""Use cases on a case: every action goes through `act_on_case`, which applies the lifecycle
table, the action's effect, and appends the event in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, or_, select, update
from sqlalchemy.orm import Session

from minyi.cases.hooks import ActionDone, notify_handlers, reply_needs_approval, run_before_action
from minyi.cases.models import Bounce, Case, CaseEvent, CaseUnit
from minyi.cases.queries import get_visible_case
from minyi.cases.rules import (
    COUNTS_AS,
    EXPLAINED_REFUSALS,
    Action,
    CaseFacts,
    CaseStatus,
    Rating,
    allowed_actions,
    checklist_items,
    decide,
)
from minyi.cases.search import reindex_case
from minyi.core.errors import Conflict, Invalid
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role, UnitKind
from minyi.taxonomy.service import leaf_by_code

# Units that can lead or co-handle a case: the ones with people who act on it.
HANDLING_KINDS = frozenset(
    {UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID}
)
# Two bounces of one case mean it is being passed around (踢皮球): flagged on the case.
PING_PONG_BOUNCES = 2


def case_facts(session: Session, case: Case) -> CaseFacts:
    co = session.scalars(
        select(CaseUnit.unit_id).where(
            CaseUnit.case_id == case.id, CaseUnit.role == "co", CaseUnit.is_active.is_(True)
        )
    ).all()
    return CaseFacts(
        status=CaseStatus(case.status),
        lead_unit_id=case.lead_unit_id,
        co_unit_ids=frozenset(co),
        bounce_pending=case.bounce_pending,
        rating=Rating(case.rating) if case.rating else None,
        is_key_case=case.is_key_case,
        checklist_done=frozenset(case.key_checklist or {}),
        reply_needs_approval=_needs_approval(session, case),
    )


def _needs_approval(session: Session, case: Case) -> bool:
    """答复审核 applies while the case can be replied to, and only where the lead unit has a
    head to approve: a unit without one (a street run by its staff) replies as before."""
    if (
        case.status not in (CaseStatus.SIGNED_FOR, CaseStatus.IN_PROGRESS)
        or case.lead_unit_id is None
    ):
        return False
    if not reply_needs_approval(session, case):
        return False
    head = session.scalar(
        select(Staff.id)
        .where(
            Staff.unit_id == case.lead_unit_id,
            Staff.role == Role.UNIT_HEAD,
            Staff.is_active.is_(True),
        )
        .limit(1)
    )
    return head is not None


def actions_for(session: Session, case: Case, actor: Actor) -> list[str]:
    return [str(a) for a in allowed_actions(case_facts(session, case), actor)]


def act_on_case(
    session: Session,
    case_id: int,
    action: Action,
    *,
    actor: Actor,
    payload: dict[str, Any],
    now: datetime,
    expected_version: int | None = None,
) -> Case:
    """Apply one action. Raises NotFound (out of scope), IllegalTransition, Forbidden, Invalid,
    or Conflict when `expected_version` is stale. The row lock (PostgreSQL) or the write lock
    (SQLite) plus the version column make concurrent actions on one case serialise: the loser
    sees the winner's state and gets 409."""
    case = get_visible_case(session, case_id, actor, for_update=True)
    if expected_version is not None and expected_version != case.version:
        # A refusal that explains itself (改派 after the unit signed meanwhile) says more than
        # "the case changed"; any other stale form gets the version conflict.
        explained = EXPLAINED_REFUSALS.get((CaseStatus(case.status), action))
        if explained:
            decide(case_facts(session, case), action, actor, payload)
        raise Conflict(
            "version_conflict",
            f"the case changed (version {case.version}, you saw {expected_version}); reload it",
            version=case.version,
        )
    run_before_action(session, case, action.value, now)
    facts = case_facts(session, case)
    target = decide(facts, action, actor, payload)
    extra = EFFECTS[action](session, case, actor, payload, now) or {}
    ticked = [
        item for item in checklist_items(action, payload) if item not in (case.key_checklist or {})
    ]
    if ticked:
        case.key_checklist = {
            **(case.key_checklist or {}),
            **dict.fromkeys(ticked, now.isoformat()),
        }
        extra = {**extra, "checklist": ticked}
    _record(session, case, action, actor, now, facts.status, target, payload, extra)
    # An approved reply is, to the clocks and the citizen's SMS, the reply (COUNTS_AS); the
    # event log keeps what happened: submitted by the handler, approved by the head.
    counted = COUNTS_AS.get(action, action)
    notify_handlers(
        session,
        ActionDone(case.id, counted.value, facts.status.value, target.value, actor, payload, now),
    )
    if action is Action.FEEDBACK and case.rating == Rating.UNSATISFIED:
        # 不满意 reopens the case at once: the citizen should not have to ask twice.
        reopen = {"reason": "群众评价不满意，自动重办"}
        target = decide(case_facts(session, case), Action.REOPEN, actor, reopen)
        _reopen(session, case, actor, reopen, now)
        before = CaseStatus(case.status)
        _record(session, case, Action.REOPEN, actor, now, before, target, reopen, {})
        notify_handlers(
            session,
            ActionDone(
                case.id, Action.REOPEN.value, before.value, target.value, actor, reopen, now
            ),
        )
    session.flush()
    return case


def _record(
    session: Session,
    case: Case,
    action: Action,
    actor: Actor,
    now: datetime,
    before: CaseStatus,
    after: CaseStatus,
    payload: dict[str, Any],
    extra: dict[str, Any],
) -> None:
    case.status = after.value
    case.updated_at = now
    if after is not before:
        # case_units.case_status is cases.status copied (the scoped lists filter by it): every
        # row of the case, active or not, in the same transaction.
        session.execute(
            update(CaseUnit).where(CaseUnit.case_id == case.id).values(case_status=after.value)
        )
    reason = (
        payload.get("reason")
        or payload.get("text")
        or payload.get("note")
        or payload.get("comment")
    )
    stored = {k: v for k, v in payload.items() if k not in ("reason", "phone_last4")} | extra
    session.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            action=action.value,
            actor_id=actor.staff_id,
            actor_label=actor.username,
            from_status=before.value,
            to_status=after.value,
            reason=str(reason) if reason else None,
            payload=stored,
        )
    )


def record_case_event(
    session: Session,
    case: Case,
    *,
    action: str,
    actor_label: str,
    actor_id: int | None,
    now: datetime,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """A timeline entry that does not move the state (a clock warning, an escalation, a whistle)."""
    session.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            action=action,
            actor_id=actor_id,
            actor_label=actor_label,
            from_status=case.status,
            to_status=case.status,
            reason=reason,
            payload=payload or {},
        )
    )


def copy_next_due(session: Session, case_ids: list[int]) -> None:
    """Copy each case's `next_due_at` onto its case_units rows (every row, active or not, so a
    row made active again already agrees). sla.service.refresh_next_due, the one writer of the
    column, calls it in the same transaction, and so does anything that inserts rows past the
    ORM (the import); the unit lists' urgency order reads the copy (CaseUnit.next_due_at)."""
    if not case_ids:
        return
    of_case = select(Case.next_due_at).where(Case.id == CaseUnit.case_id).scalar_subquery()
    session.execute(
        update(CaseUnit).where(CaseUnit.case_id.in_(case_ids)).values(next_due_at=of_case),
        execution_options={"synchronize_session": False},
    )
    wanted = set(case_ids)
    for loaded in list(session.identity_map.values()):
        # Read from the loaded state: an expired row reloads the new value anyway.
        if isinstance(loaded, CaseUnit) and inspect(loaded).dict.get("case_id") in wanted:
            session.expire(loaded, ["next_due_at"])


Effect = Callable[[Session, Case, Actor, dict[str, Any], datetime], dict[str, Any] | None]


def _nothing(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    return None


def _decline(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    case.closed_at = now
    case.reply_text = payload["reason"]
    reindex_case(session, case)


def _dispatch(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    lead_code = str(payload["lead_unit"])
    co_codes = [str(c) for c in payload.get("co_units") or []]
    if lead_code in co_codes:
        raise Invalid("lead_is_co_unit", "the lead unit cannot also be a co-unit", field="co_units")
    if len(set(co_codes)) != len(co_codes):
        raise Invalid("duplicate_co_unit", "a co-unit is named twice", field="co_units")
    units = {
        u.code: u
        for u in session.scalars(select(Unit).where(Unit.code.in_([lead_code, *co_codes])))
    }
    for field, code in [("lead_unit", lead_code), *(("co_units", c) for c in co_codes)]:
        unit = units.get(code)
        if unit is None or unit.kind not in HANDLING_KINDS or not unit.is_active:
            raise Invalid("bad_unit", f"'{code}' is not a unit that can handle cases", field=field)
    _refuse_accused(case, [units[c] for c in (lead_code, *co_codes)])
    if payload.get("category"):
        leaf = leaf_by_code(session, str(payload["category"]))
        # The clocks follow the new policy through the sla handler on this dispatch.
        case.category_id, case.class_name, case.policy_code = (
            leaf.id,
            leaf.class_name,
            leaf.policy_code,
        )
    # A redispatch (after an approved bounce or a reopen) replaces the previous set of units.
    session.execute(update(CaseUnit).where(CaseUnit.case_id == case.id).values(is_active=False))
    existing = {
        cu.unit_id: cu
        for cu in session.scalars(select(CaseUnit).where(CaseUnit.case_id == case.id))
    }
    for role, code in [("lead", lead_code), *(("co", c) for c in co_codes)]:
        unit_id = units[code].id
        cu = existing.get(unit_id) or CaseUnit(case_id=case.id, unit_id=unit_id)
        cu.role, cu.assigned_at, cu.signed_at, cu.is_active = role, now, None, True
        # The status now; `_record` moves every row of the case to the action's target. The
        # urgency key as the case has it; sla.service.refresh_next_due keeps it from now on.
        cu.case_status = case.status
        cu.next_due_at, cu.registered_at = case.next_due_at, case.registered_at
        session.add(cu)
    case.lead_unit_id = units[lead_code].id
    return {"lead_unit": lead_code, "co_units": co_codes}


def _redispatch(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """改派: the same choice as a dispatch, replacing the units that never signed. The old lead
    and co-units lose the case (their rows go inactive, so it leaves their lists and pages) and
    the new ones gain it; the event keeps who had it before, for 责任倒查.

    The clocks keep running. The citizen's deadlines count from registration (or acceptance,
    under the 信访工作条例) and a routing mistake is the district's own: re-starting them would
    give the new unit fresh time at the citizen's expense and hide a late first routing from the
    assessment. Only a change of leaf that changes the clock policy replans them, exactly as a
    dispatch does (the sla handler treats both alike)."""
    before = session.execute(
        select(CaseUnit.role, Unit.code)
        .join(Unit, Unit.id == CaseUnit.unit_id)
        .where(CaseUnit.case_id == case.id, CaseUnit.is_active.is_(True))
    ).all()
    previous_lead = next((code for role, code in before if role == "lead"), None)
    previous_co = sorted(code for role, code in before if role == "co")
    if previous_lead == str(payload["lead_unit"]) and previous_co == sorted(
        str(c) for c in payload.get("co_units") or []
    ):
        raise Invalid(
            "same_units", "改派后的主办单位和协办单位与原来相同，请选择其他单位", field="lead_unit"
        )
    chosen = _dispatch(session, case, actor, payload, now)
    return chosen | {"from_lead_unit": previous_lead, "from_co_units": previous_co}


def _refuse_accused(case: Case, chosen: list[Unit]) -> None:
    """信访工作条例: never hand a complaint to the unit it complains about, nor to one under it."""
    hidden = set(case.identity_hidden_from or ())
    for unit in chosen:
        if hidden & {unit.code, *unit.path.split("/")}:
            raise Conflict(
                "accused_unit",
                f"诉求反映的是{unit.name}（或其上级单位）本身，不得交由其办理，请改派其他单位",
                unit=unit.code,
            )


def hide_identity(
    session: Session,
    case: Case,
    unit_codes: list[str],
    *,
    actor_label: str,
    now: datetime,
    reason: str,
) -> list[str]:
    """Name units the appeal complains about: they can no longer be dispatched to and see the
    complainant masked. Recorded on the timeline; returns the codes newly added."""
    have = list(case.identity_hidden_from or [])
    new = [c for c in dict.fromkeys(unit_codes) if c not in have]
    if new:
        case.identity_hidden_from = have + new
        record_case_event(
            session,
            case,
            action="hide_identity",
            actor_label=actor_label,
            actor_id=None,
            now=now,
            reason=reason,
            payload={"units": new},
        )
    return new


def lift_identity_hiding(
    session: Session, case: Case, unit_codes: list[str], *, actor: Actor, now: datetime, reason: str
) -> list[str]:
    """A dispatcher's judgement that the text does not accuse these units after all."""
    have = list(case.identity_hidden_from or [])
    gone = [c for c in have if c in set(unit_codes)]
    if gone:
        rest = [c for c in have if c not in gone]
        case.identity_hidden_from = rest or None
        record_case_event(
            session,
            case,
            action="lift_identity_hiding",
            actor_label=actor.username,
            actor_id=actor.staff_id,
            now=now,
            reason=reason,
            payload={"units": gone},
        )
    return gone


def _sign_for(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    session.execute(
        update(CaseUnit)
        .where(CaseUnit.case_id == case.id, CaseUnit.unit_id == actor.unit_id)
        .values(signed_at=now)
    )


def _reply(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    case.reply_text = str(payload["text"])
    case.closed_at = now
    reindex_case(session, case)


def _submit_reply(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    case.reply_draft = str(payload["text"])


def _approve_reply(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    # The head may approve with light edits (payload text); otherwise the submitted text stands.
    case.reply_text = str(payload.get("text") or case.reply_draft or "")
    case.reply_draft = None
    case.closed_at = now
    reindex_case(session, case)
    return {"edited": bool(payload.get("text"))}


def _feedback(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    case.rating = str(payload["rating"])


def _reopen(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    case.reopen_count += 1
    case.closed_at = None
    case.rating = None
    session.execute(
        update(CaseUnit)
        .where(CaseUnit.case_id == case.id, CaseUnit.is_active.is_(True))
        .values(signed_at=None)
    )


def _bounce(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    assert actor.unit_id is not None and actor.staff_id is not None
    bounce = Bounce(
        case_id=case.id,
        unit_id=actor.unit_id,
        requested_by_id=actor.staff_id,
        reason=str(payload["reason"]),
        requested_at=now,
    )
    session.add(bounce)
    session.flush()
    case.bounce_pending = True
    case.bounce_count += 1
    return {"bounce_id": bounce.id, "ping_pong": case.bounce_count >= PING_PONG_BOUNCES}


def _decide_bounce(approved: bool) -> Effect:
    def effect(
        session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        bounce = session.scalars(
            select(Bounce).where(Bounce.case_id == case.id, Bounce.status == "pending")
        ).one()
        bounce.status = "approved" if approved else "refused"
        bounce.decided_by_id, bounce.decided_at = actor.staff_id, now
        bounce.decision_note = payload.get("reason") or payload.get("note")
        case.bounce_pending = False
        if approved:
            case.lead_unit_id = None
            session.execute(
                update(CaseUnit).where(CaseUnit.case_id == case.id).values(is_active=False)
            )
        return {"bounce_id": bounce.id}

    return effect


def _mark_key(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    case.is_key_case = True


def _archive(
    session: Session, case: Case, actor: Actor, payload: dict[str, Any], now: datetime
) -> None:
    case.closed_at = case.closed_at or now


EFFECTS: dict[Action, Effect] = {
    Action.ACCEPT: _nothing,
    Action.DECLINE: _decline,
    Action.DISPATCH: _dispatch,
    Action.REDISPATCH: _redispatch,
    Action.SIGN_FOR: _sign_for,
    Action.RECORD_CONTACT: _nothing,
    Action.RECORD_VISIT: _nothing,
    Action.REPLY: _reply,
    Action.SUBMIT_REPLY: _submit_reply,
    Action.APPROVE_REPLY: _approve_reply,
    # Returned: the draft stays for the handler to revise; the reason is on the event.
    Action.RETURN_REPLY: _nothing,
    Action.FEEDBACK: _feedback,
    Action.REOPEN: _reopen,
    Action.ARCHIVE: _archive,
    Action.BOUNCE: _bounce,
    Action.MARK_KEY: _mark_key,
    Action.APPROVE_BOUNCE: _decide_bounce(approved=True),
    Action.REFUSE_BOUNCE: _decide_bounce(approved=False),
}


def repair_case_status(session: Session, low: int, high: int) -> int:
    """`case_units.case_status` made `cases.status` again on the units' rows of the cases with
    low < id <= high where it differs; returns the rows repaired. `_record` keeps the copy in
    every transaction that changes the status; an app from before migration unitstatus0001,
    still serving while it ran, does not (sla/reconcile.py runs this after a rolling upgrade)."""
    broken = (
        select(CaseUnit.id, Case.status)
        .join(Case, Case.id == CaseUnit.case_id)
        .where(
            # Both ranges stated: the planner does not carry one across the join, and each
            # side is then a range of its index, never a scan of the table (PostgreSQL 15).
            Case.id > low,
            Case.id <= high,
            CaseUnit.case_id > low,
            CaseUnit.case_id <= high,
            CaseUnit.case_status.is_distinct_from(Case.status),
        )
        .subquery()
    )
    done = session.execute(
        update(CaseUnit)
        .where(CaseUnit.id == broken.c.id, CaseUnit.case_id > low, CaseUnit.case_id <= high)
        .values(case_status=broken.c.status)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def repair_unit_urgency_copy(session: Session, low: int, high: int) -> int:
    """`case_units.next_due_at` and `registered_at` made the case's again on the rows of the
    cases with low < id <= high where either differs; returns the rows repaired. copy_next_due
    keeps them in every transaction that changes the clocks; an app from before migration
    unitdue0001 does not (sla/reconcile.py runs this after the upgrade, after repair_next_due)."""
    broken = (
        select(CaseUnit.id, Case.next_due_at, Case.registered_at)
        .join(Case, Case.id == CaseUnit.case_id)
        .where(
            Case.id > low,
            Case.id <= high,
            CaseUnit.case_id > low,
            CaseUnit.case_id <= high,
            or_(
                CaseUnit.next_due_at.is_distinct_from(Case.next_due_at),
                CaseUnit.registered_at.is_distinct_from(Case.registered_at),
            ),
        )
        .subquery()
    )
    done = session.execute(
        update(CaseUnit)
        .where(CaseUnit.id == broken.c.id, CaseUnit.case_id > low, CaseUnit.case_id <= high)
        .values(next_due_at=broken.c.next_due_at, registered_at=broken.c.registered_at)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
