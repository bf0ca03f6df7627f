"""How clocks follow cases: planned at registration, completed and started by actions, replanned
when dispatch changes the policy, and shown on the case's timeline when they fire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minyi.cases.hooks import (
    CASE_ACTION,
    CASES_PLANNED,
    REPLY_APPROVAL,
    ActionDone,
    CasePlan,
    RegisteredCase,
)
from minyi.cases.models import Case
from minyi.cases.service import record_case_event
from minyi.core.registry import CLOCKS_LOOP, Registry
from minyi.notify.hooks import MESSAGE_SENT
from minyi.notify.models import OutboxMessage
from minyi.sla.hooks import CLOCK_FIRED
from minyi.sla.jobs import check_calendar, fire_due_clocks
from minyi.sla.models import Clock
from minyi.sla.reconcile import JOB_EVERY, reconcile_job
from minyi.sla.rules import choose_policy, needs_reply_approval
from minyi.sla.service import (
    MOOT,
    SUPERSEDED,
    cancel_clocks,
    complete_clocks,
    current_policies,
    milestone_row,
    planned_policy,
    refresh_case_due,
    replan_case,
    start_clocks_bulk,
    workdays,
)
from minyi.taxonomy.models import DictionaryEntry

# After these actions no open milestone of the case has a purpose left: the citizen has the
# answer (reply), the appeal is not taken on (decline), the case is closed (archive). What the
# action completes is met; every other open milestone ends as moot, never as a breach.
SETTLES = frozenset({"reply", "decline", "archive"})
REOPEN = "reopen"


def install(registry: Registry) -> None:
    registry.add(CASES_PLANNED, "sla.plan", plan_registered)
    registry.add(CASE_ACTION, "sla.follow", follow_action)
    registry.add(REPLY_APPROVAL, "sla.reply_approval", reply_approval)
    registry.add(CLOCK_FIRED, "sla.timeline", show_on_timeline)
    registry.add(MESSAGE_SENT, "sla.receipt", receipt_sent)
    # Its own loop: a slow job (the report PDF, a model training) never delays a warning.
    registry.job(
        "fire_clocks", lambda ctx: fire_due_clocks(ctx.session, now=ctx.now), loop=CLOCKS_LOOP
    )
    registry.job("check_calendar", lambda ctx: check_calendar(ctx.session, now=ctx.now), every=3600)
    # A backstop for rolling upgrades (sla/reconcile.py): derived columns an old app left stale.
    registry.job("reconcile_derived", lambda ctx: reconcile_job(ctx.session), every=JOB_EVERY)


def reply_approval(session: Session, case: Case) -> bool:
    """答复审核 for this case: its leaf's setting, else its clock policy's (sla/rules.py)."""
    leaf = session.get(DictionaryEntry, case.category_id) if case.category_id else None
    policy = current_policies(session).policy(case.policy_code)[1]
    return needs_reply_approval(policy, leaf.reply_approval if leaf else None)


def plan_registered(session: Session, cases: list[RegisteredCase]) -> CasePlan:
    """Choose each new case's policy and plan its clocks; the case row is written with the
    policy, its due time (the latest milestone) and its next due time (the nearest), so it needs no update afterwards, and intake
    writes the clock rows right after the cases (they refer to them)."""
    policies = current_policies(session)
    cal = workdays(session)  # read with the policies
    rows: list[dict[str, Any]] = []
    values: dict[int, dict[str, Any]] = {}
    for c in cases:
        code = choose_policy(
            policies, case_override=None, leaf_policy=c.leaf_policy, channel=c.channel
        )
        planned = [
            milestone_row(
                m,
                subject_id=c.case_id,
                case_id=c.case_id,
                policy_code=code,
                started_at=c.registered_at,
                cal=cal,
            )
            for m in policies.policies[code].milestones
            if "register" in m.starts_on
        ]
        rows.extend(planned)
        values[c.case_id] = {
            "policy_code": code,
            "due_at": max(r["due_at"] for r in planned) if planned else None,
            # What service.refresh_next_due would compute once the rows are in: every planned
            # clock is running. Written with the row, as the due time is, not updated after.
            "next_due_at": min(r["due_at"] for r in planned) if planned else None,
        }
    return CasePlan(columns=values, rows=[(Clock, rows)])


def follow_action(session: Session, done: ActionDone) -> None:
    # 答复审核 and the clocks: a reply waiting for the head's approval has not reached the
    # citizen, so it meets nothing; the clocks run on while it waits (the head is part of the
    # unit that answers for the deadline). The approval arrives here as "reply" (cases.rules
    # COUNTS_AS) and completes and settles the clocks at the approval's time.
    case = session.get(Case, done.case_id)
    assert case is not None
    policy = current_policies(session).policy(case.policy_code)[1]
    if done.action in ("dispatch", "redispatch") and planned_policy(session, case.id) not in (
        None,
        case.policy_code,
    ):
        replan_case(session, case, policy, done.at)
    completes = [m.code for m in policy.milestones if done.action in m.completed_by]
    if completes:
        complete_clocks(
            session, subject="case", subject_id=case.id, milestones=completes, now=done.at
        )
    if done.action in SETTLES:
        moot = cancel_clocks(session, subject="case", subject_id=case.id, now=done.at, state=MOOT)
        _show_ended(session, case, moot, "clock_moot", done.at)
    starts = [m for m in policy.milestones if done.action in m.starts_on]
    if starts:
        # A reopen (重办) starts the case's handling again: every deadline still open is replaced
        # by the policy's reopen milestones, counted from now. Any other starting action
        # replaces only the earlier clock of the milestones it starts.
        replaced = None if done.action == REOPEN else [m.code for m in starts]
        superseded = cancel_clocks(
            session,
            subject="case",
            subject_id=case.id,
            milestones=replaced,
            now=done.at,
            state=SUPERSEDED,
        )
        rows = [
            milestone_row(
                m,
                subject_id=case.id,
                case_id=case.id,
                policy_code=case.policy_code,
                started_at=done.at,
                cal=workdays(session),
            )
            for m in starts
        ]
        start_clocks_bulk(session, rows)
        if done.action == REOPEN:
            _show_ended(session, case, superseded, "clock_superseded", done.at)
            record_case_event(
                session,
                case,
                action="clock_restart",
                actor_label="system",
                actor_id=None,
                now=done.at,
                reason="、".join(m.name for m in starts),
                payload={
                    "milestones": [m.code for m in starts],
                    "due_at": [r["due_at"].isoformat() for r in rows],
                },
            )
    session.flush()
    refresh_case_due(session, case)


def _show_ended(
    session: Session, case: Case, clocks: list[Clock], action: str, now: datetime
) -> None:
    if clocks:
        record_case_event(
            session,
            case,
            action=action,
            actor_label="system",
            actor_id=None,
            now=now,
            reason="、".join(c.name for c in clocks),
            payload={"milestones": [c.milestone for c in clocks]},
        )


def show_on_timeline(session: Session, clock: Clock, kind: str, now: datetime) -> None:
    if clock.subject != "case" or clock.case_id is None:
        return
    case = session.get(Case, clock.case_id)
    if case is None:
        return
    if kind == "breach":
        case.is_overdue = True
    record_case_event(
        session,
        case,
        action=f"clock_{kind}",
        actor_label="system",
        actor_id=None,
        now=now,
        reason=clock.name,
        payload={"milestone": clock.milestone, "due_at": clock.due_at.isoformat()},
    )


def receipt_sent(session: Session, message: OutboxMessage, now: datetime) -> None:
    """The SMS receipt leaving is the 10-minute feedback to the citizen (10-30-24)."""
    if not (message.dedupe_key or "").startswith("receipt:") or message.case_id is None:
        return
    case = session.get(Case, message.case_id)
    if case is None:
        return
    policy = current_policies(session).policy(case.policy_code)[1]
    codes = [m.code for m in policy.milestones if "receipt_sent" in m.completed_by]
    if codes:
        complete_clocks(session, subject="case", subject_id=case.id, milestones=codes, now=now)
