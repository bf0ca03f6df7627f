"""Start, complete, pause, resume and extend clocks; keep the policy set."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from minyi.cases.models import Case, CaseEvent
from minyi.cases.queries import get_visible_case
from minyi.cases.service import copy_next_due, record_case_event
from minyi.core.caches import Memo, Slot
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.org.rules import Actor
from minyi.sla.calendar import Workdays, add_counted, counted_between
from minyi.sla.calendar_service import calendar_version_columns, current_workdays, load_calendar
from minyi.sla.models import Clock, ClockPolicySet, ExtensionRequest
from minyi.sla.rules import (
    EXTENDERS,
    PAUSERS,
    POLICY_SETTERS,
    REQUESTERS,
    Milestone,
    Policy,
    PolicySet,
    check_clock_role,
    parse_duration,
    parse_policy_set,
)

DEFAULT_POLICIES = Path(__file__).with_name("policies.yaml")
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"
# Two ways a clock ends without being met or missed. MOOT: what happened made the milestone
# pointless (a "meet within 2 days" when the case is already answered, an acceptance decision
# after a decline); it never counts as a breach. SUPERSEDED: a reopen (重办) started the case's
# deadlines again and replaced this one.
MOOT, SUPERSEDED = "moot", "superseded"
OPEN_STATES = (RUNNING, PAUSED)
# The clocks whose deadline makes a case urgent (cases.next_due_at): a breached one lies in the
# past, so red comes first; a paused one does not count, its due time moves when it resumes.
URGENT_STATES = (RUNNING, BREACHED)

# Parsed policy sets by version, per runtime (its one database's version 2).
# Deadlines counted without a database: China's package calendar and no local days.
NO_LOCAL_DAYS = Workdays.from_strings([], [])
POLICIES: Slot[Memo[int, PolicySet]] = Slot("sla.policies", Memo)


def workdays(session: Session) -> Workdays:
    """The calendar deadlines are counted in: the one `sync_calendar` last read from the tables
    (every use case that computes a deadline syncs first)."""
    return current_workdays(session)


def sync_calendar(session: Session) -> Workdays:
    """Pick up an administrator's calendar edit (from any process): one small version query."""
    return load_calendar(session)


@cache
def _versions_statement() -> Select[int | None, int, int]:
    # Built once: every action of every case asks (about 1.5 per action), and building the
    # statement and its cache key cost more CPU than running it.
    return select(
        select(func.max(ClockPolicySet.version)).scalar_subquery(), *calendar_version_columns()
    )


def current_policies(session: Session) -> PolicySet:
    """The newest policy set (the shipped file until an administrator imports one). Every call
    checks the version; the text is read and parsed only for a version not seen before."""
    # Every planner reads the policies first: the calendar's version comes along in the same
    # round trip (intake's group commit pays this once per batch).
    version, calendar_total, calendar_count = session.execute(_versions_statement()).one()
    version = version or 0
    load_calendar(session, (int(calendar_total), int(calendar_count)))

    def parse() -> PolicySet:
        text = (
            session.scalar(select(ClockPolicySet.text).where(ClockPolicySet.version == version))
            if version
            else None
        )
        return parse_policy_set(text or DEFAULT_POLICIES.read_text(encoding="utf-8"))

    return POLICIES.of(session).get(version, parse)


def import_policies(session: Session, text: str, *, by: str, now: datetime) -> int:
    parse_policy_set(text)  # refuse a bad file before anything is written
    version = (session.scalar(select(func.max(ClockPolicySet.version))) or 0) + 1
    session.add(ClockPolicySet(version=version, text=text, created_at=now, created_by=by))
    session.flush()
    return version


def policies_text(session: Session) -> str:
    text = session.scalar(
        select(ClockPolicySet.text).order_by(ClockPolicySet.version.desc()).limit(1)
    )
    return text or DEFAULT_POLICIES.read_text(encoding="utf-8")


def clock_row(
    *,
    subject: str,
    subject_id: int,
    milestone: str,
    name: str,
    duration: timedelta,
    calendar: str,
    warn_ratio: float,
    started_at: datetime,
    case_id: int | None,
    policy_code: str | None = None,
    cal: Workdays | None = None,
) -> dict[str, Any]:
    """A clock's row, its deadlines counted in `cal` (by default China's package calendar with
    no local days: for a tool or a bench without a database)."""
    total = duration.total_seconds()
    warn = total * warn_ratio
    cal = cal or NO_LOCAL_DAYS
    due = add_counted(calendar, started_at, total, cal)
    warn_at = add_counted(calendar, started_at, warn, cal)
    return {
        "subject": subject,
        "subject_id": subject_id,
        "case_id": case_id,
        "milestone": milestone,
        "name": name,
        "policy_code": policy_code,
        "calendar": calendar,
        "state": RUNNING,
        "started_at": started_at,
        "due_at": due,
        "warn_at": warn_at,
        "next_fire_at": warn_at,
        "total_seconds": total,
        "warn_seconds": warn,
        "warned_at": None,
        "breached_at": None,
        "completed_at": None,
        "paused_at": None,
        "pause_reason": None,
        "remaining_seconds": None,
        "extended_seconds": 0.0,
    }


def milestone_row(
    m: Milestone,
    *,
    subject_id: int,
    case_id: int,
    policy_code: str,
    started_at: datetime,
    cal: Workdays,
) -> dict[str, Any]:
    return clock_row(
        subject="case",
        subject_id=subject_id,
        milestone=m.code,
        name=m.name,
        duration=m.length,
        calendar=m.calendar,
        warn_ratio=m.warn_at,
        started_at=started_at,
        case_id=case_id,
        policy_code=policy_code,
        cal=cal,
    )


def start_clock(
    session: Session,
    *,
    subject: str,
    subject_id: int,
    milestone: str,
    name: str,
    duration: timedelta,
    calendar: str = "natural",
    warn_ratio: float = 0.8,
    now: datetime,
    case_id: int | None = None,
) -> Clock:
    cal = sync_calendar(session)
    if duration <= timedelta(0):
        raise Invalid("bad_deadline", "a deadline must lie in the future", field="deadline")
    clock = Clock(
        **clock_row(
            subject=subject,
            subject_id=subject_id,
            milestone=milestone,
            name=name,
            duration=duration,
            calendar=calendar,
            warn_ratio=warn_ratio,
            started_at=now,
            case_id=case_id,
            cal=cal,
        )
    )
    session.add(clock)
    session.flush()
    refresh_next_due(session, subject, [subject_id])
    return clock


def start_clocks_bulk(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Clock), rows)
        refresh_next_due(session, "case", [r["subject_id"] for r in rows if r["subject"] == "case"])


def _nearest_due() -> Any:
    """The case's nearest due time among its running and breached clocks, correlated to the
    enclosing statement's `cases` row: what `cases.next_due_at` holds."""
    return (
        select(func.min(Clock.due_at))
        .where(
            Clock.subject == "case",
            Clock.subject_id == Case.id,
            Clock.state.in_(URGENT_STATES),
        )
        .correlate(Case)
        .scalar_subquery()
    )


def refresh_next_due(session: Session, subject: str, subject_ids: Iterable[int]) -> None:
    """Set each case's `next_due_at` to the nearest due time of its running and breached clocks
    (NULL: none), in the transaction that changed them. Every writer of clocks here calls it
    after its change (a breach alone does not: running and breached both count, and the due
    time stays), so the urgency order can read the column and its index. Other subjects (tasks,
    orders, whistles) have no such column."""
    ids = sorted(set(subject_ids))
    if subject != "case" or not ids:
        return
    nearest = _nearest_due()
    session.execute(
        update(Case).where(Case.id.in_(ids)).values(next_due_at=nearest),
        # A plain UPDATE: no version bump (the case's state did not change) and no evaluation of
        # the subquery in Python; loaded cases read the new value when next touched.
        execution_options={"synchronize_session": False},
    )
    for case_id in ids:
        loaded = session.identity_map.get(session.identity_key(Case, case_id))
        if loaded is not None:
            session.expire(loaded, ["next_due_at"])
    # The units' copy of the key (CaseUnit.next_due_at), which their urgency lists walk.
    copy_next_due(session, ids)


def repair_next_due(session: Session, low: int, high: int) -> int:
    """`cases.next_due_at` made what `refresh_next_due` would write, for the cases with
    low < id <= high where it differs; returns the cases repaired. An app from before migration
    nextdue0001, still serving while it ran, changes clocks without it (sla/reconcile.py runs
    this after a rolling upgrade)."""
    nearest = _nearest_due()
    computed = (
        select(Case.id, Case.next_due_at, nearest.label("due"))
        .where(Case.id > low, Case.id <= high)
        .subquery()
    )
    broken = (
        select(computed.c.id, computed.c.due)
        .where(computed.c.next_due_at.is_distinct_from(computed.c.due))
        .subquery()
    )
    done = session.execute(
        update(Case)
        # The range again on the updated side: each side a range of the primary key.
        .where(Case.id == broken.c.id, Case.id > low, Case.id <= high)
        .values(next_due_at=broken.c.due)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def _select(
    subject: str, subject_id: int, milestones: Iterable[str] | None, states: Iterable[str]
) -> Any:
    stmt = select(Clock).where(
        Clock.subject == subject, Clock.subject_id == subject_id, Clock.state.in_(list(states))
    )
    if milestones is not None:
        stmt = stmt.where(Clock.milestone.in_(list(milestones)))
    return stmt.with_for_update()


def complete_clocks(
    session: Session,
    *,
    subject: str,
    subject_id: int,
    milestones: Iterable[str] | None = None,
    now: datetime,
) -> list[Clock]:
    """Met if done in time; a breached clock keeps its red result but records when it was done."""
    done = list(
        session.scalars(_select(subject, subject_id, milestones, (RUNNING, PAUSED, BREACHED)))
    )
    for clock in done:
        if clock.completed_at is not None:
            continue
        clock.completed_at = now
        clock.next_fire_at = None
        if clock.state != BREACHED:
            clock.state = MET
    session.flush()
    refresh_next_due(session, subject, [subject_id])
    return done


def cancel_clocks(
    session: Session,
    *,
    subject: str,
    subject_id: int,
    milestones: Iterable[str] | None = None,
    now: datetime,
    state: str = CANCELLED,
) -> list[Clock]:
    """End the open clocks (running or paused) without a result: cancelled, moot or superseded."""
    ended = list(session.scalars(_select(subject, subject_id, milestones, OPEN_STATES)))
    for clock in ended:
        clock.state, clock.next_fire_at, clock.completed_at = state, None, now
        clock.remaining_seconds = None
    session.flush()
    refresh_next_due(session, subject, [subject_id])
    return ended


def pause_clocks(
    session: Session, *, subject: str, subject_id: int, reason: str, now: datetime
) -> list[Clock]:
    sync_calendar(session)
    if not reason.strip():
        raise Invalid("missing_field", "a pause needs a reason", field="reason")
    clocks = list(session.scalars(_select(subject, subject_id, None, (RUNNING,))))
    if not clocks:
        raise Conflict("nothing_to_pause", "no running clock to pause")
    for clock in clocks:
        clock.remaining_seconds = counted_between(
            clock.calendar, now, clock.due_at, workdays(session)
        )
        clock.state, clock.paused_at, clock.pause_reason, clock.next_fire_at = (
            PAUSED,
            now,
            reason,
            None,
        )
    session.flush()
    refresh_next_due(session, subject, [subject_id])
    return clocks


def resume_clocks(session: Session, *, subject: str, subject_id: int, now: datetime) -> list[Clock]:
    """The clock goes on from where it stopped: what was left when paused is left now."""
    sync_calendar(session)
    clocks = list(session.scalars(_select(subject, subject_id, None, (PAUSED,))))
    if not clocks:
        raise Conflict("nothing_to_resume", "no paused clock to resume")
    cal = workdays(session)
    for clock in clocks:
        remaining = clock.remaining_seconds or 0.0
        clock.due_at = add_counted(clock.calendar, now, remaining, cal)
        until_warning = remaining - (
            clock.total_seconds + clock.extended_seconds - clock.warn_seconds
        )
        if clock.warned_at is None and until_warning > 0:
            clock.warn_at = add_counted(clock.calendar, now, until_warning, cal)
            clock.next_fire_at = clock.warn_at
        else:
            clock.next_fire_at = clock.due_at
        clock.state, clock.paused_at, clock.remaining_seconds = RUNNING, None, None
    session.flush()
    refresh_next_due(session, subject, [subject_id])
    return clocks


def extend_clock(
    session: Session,
    *,
    subject: str,
    subject_id: int,
    milestone: str,
    extra: timedelta,
    limit: str | None,
    now: datetime,  # noqa: ARG001 - callers pass the moment of every clock change; kept uniform
) -> Clock:
    """One approved extension, no longer than the policy allows (信访工作条例: once, ≤ 30 days)."""
    sync_calendar(session)
    clock = session.scalars(
        _select(subject, subject_id, [milestone], (RUNNING, PAUSED, BREACHED))
    ).first()
    if clock is None:
        raise NotFound("clock_not_found", f"no open clock '{milestone}'")
    if limit is None:
        raise Conflict("not_extendable", f"milestone '{milestone}' cannot be extended")
    if clock.extended_seconds > 0:
        raise Conflict("already_extended", "this deadline was already extended once")
    if extra <= timedelta(0) or extra > parse_duration(limit):
        raise Invalid("bad_extension", f"an extension is at most {limit}", field="days")
    clock.extended_seconds = extra.total_seconds()
    if clock.state == PAUSED:
        clock.remaining_seconds = (clock.remaining_seconds or 0) + extra.total_seconds()
    else:
        clock.due_at = add_counted(
            clock.calendar, clock.due_at, extra.total_seconds(), workdays(session)
        )
        if clock.state == BREACHED:
            # The approval came after the breach: the red result stays on the record.
            pass
        elif clock.warned_at is None:
            clock.next_fire_at = clock.warn_at
        else:
            clock.next_fire_at = clock.due_at
    session.flush()
    refresh_next_due(session, subject, [subject_id])
    return clock


def clocks_of(session: Session, subject: str, subject_ids: list[int]) -> dict[int, list[Clock]]:
    out: dict[int, list[Clock]] = {}
    if subject_ids:
        for clock in session.scalars(
            select(Clock)
            .where(Clock.subject == subject, Clock.subject_id.in_(subject_ids))
            .order_by(Clock.id)
        ):
            out.setdefault(clock.subject_id, []).append(clock)
    return out


def colour(clock: Clock, now: datetime) -> str:
    """green / yellow / red as staff see it; done clocks show their result."""
    if clock.state == MET:
        return "met"
    if clock.state in (CANCELLED, MOOT, SUPERSEDED):
        return clock.state
    if clock.state == BREACHED or (clock.state == RUNNING and now >= clock.due_at):
        return "red"
    if clock.state == RUNNING and now >= clock.warn_at:
        return "yellow"
    return "paused" if clock.state == PAUSED else "green"


def clock_view(clock: Clock, now: datetime) -> dict[str, Any]:
    left = None
    if clock.state == RUNNING:
        left = (clock.due_at - now).total_seconds()
    elif clock.state == PAUSED:
        left = clock.remaining_seconds
    return {
        "id": clock.id,
        "milestone": clock.milestone,
        "name": clock.name,
        "policy": clock.policy_code,
        "calendar": clock.calendar,
        "state": clock.state,
        "colour": colour(clock, now),
        "started_at": clock.started_at,
        "warn_at": clock.warn_at,
        "due_at": clock.due_at,
        "seconds_left": left,
        "warned_at": clock.warned_at,
        "breached_at": clock.breached_at,
        "completed_at": clock.completed_at,
        "paused_at": clock.paused_at,
        "pause_reason": clock.pause_reason,
        "extended_days": round(clock.extended_seconds / 86400, 2) if clock.extended_seconds else 0,
    }


def planned_policy(session: Session, case_id: int) -> str | None:
    return session.scalar(
        select(Clock.policy_code)
        .where(Clock.subject == "case", Clock.subject_id == case_id)
        .order_by(Clock.id.desc())
        .limit(1)
    )


def replan_case(session: Session, case: Case, policy: Policy, now: datetime) -> None:
    """Dispatch filed the case under a leaf with another policy: its clocks restart under that
    policy from registration, except milestones already done by an action."""
    cancel_clocks(session, subject="case", subject_id=case.id, now=now)
    actions = set(session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case.id)))
    cal = workdays(session)
    rows = [
        milestone_row(
            m,
            subject_id=case.id,
            case_id=case.id,
            policy_code=case.policy_code,
            started_at=case.registered_at,
            cal=cal,
        )
        for m in policy.milestones
        if "register" in m.starts_on and not actions & set(m.completed_by)
    ]
    start_clocks_bulk(session, rows)


def refresh_case_due(session: Session, case: Case) -> None:
    dues = session.scalars(
        select(Clock.due_at).where(
            Clock.subject == "case", Clock.subject_id == case.id, Clock.state.in_([RUNNING, PAUSED])
        )
    ).all()
    if dues:
        case.due_at = max(dues)


# The case clock use cases as the API, the console and the CLI call them.


def pause_case(
    session: Session, case_id: int, actor: Actor, *, reason: str, now: datetime
) -> list[dict[str, Any]]:
    case = get_visible_case(session, case_id, actor, for_update=True)
    check_clock_role(actor, {case.lead_unit_id}, PAUSERS, "pause the clocks")
    clocks = pause_clocks(session, subject="case", subject_id=case.id, reason=reason, now=now)
    record_case_event(
        session,
        case,
        action="clock_pause",
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=reason,
        payload={"milestones": [c.milestone for c in clocks]},
    )
    return [clock_view(c, now) for c in clocks]


def resume_case(
    session: Session, case_id: int, actor: Actor, *, now: datetime
) -> list[dict[str, Any]]:
    case = get_visible_case(session, case_id, actor, for_update=True)
    check_clock_role(actor, {case.lead_unit_id}, PAUSERS, "resume the clocks")
    clocks = resume_clocks(session, subject="case", subject_id=case.id, now=now)
    record_case_event(
        session,
        case,
        action="clock_resume",
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        payload={"milestones": [c.milestone for c in clocks]},
    )
    return [clock_view(c, now) for c in clocks]


def extend_case(
    session: Session,
    case_id: int,
    actor: Actor,
    *,
    milestone: str,
    days: float,
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    """The unit head (or the centre) approves one extension within the policy's limit."""
    case = get_visible_case(session, case_id, actor, for_update=True)
    check_clock_role(actor, {case.lead_unit_id}, EXTENDERS, "approve an extension")
    policy = current_policies(session).policy(case.policy_code)[1]
    limit = next((m.max_extension for m in policy.milestones if m.code == milestone), None)
    clock = extend_clock(
        session,
        subject="case",
        subject_id=case.id,
        milestone=milestone,
        extra=timedelta(days=days),
        limit=limit,
        now=now,
    )
    if clock.due_at > (case.due_at or clock.due_at):
        case.due_at = clock.due_at
    record_case_event(
        session,
        case,
        action="clock_extend",
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=reason,
        payload={"milestone": milestone, "days": days, "due_at": clock.due_at.isoformat()},
    )
    return clock_view(clock, now)


def set_case_policy(
    session: Session, case_id: int, actor: Actor, *, policy: str, reason: str, now: datetime
) -> list[dict[str, Any]]:
    """A policy for this one case (a 重点件 put on 10-30-24, a letter on the statutory clock):
    its open clocks restart under that policy from registration."""
    case = get_visible_case(session, case_id, actor, for_update=True)
    check_clock_role(actor, set(), POLICY_SETTERS, "set a case's clock policy")
    policies = current_policies(session)
    if policy not in policies.policies:
        raise Invalid("unknown_policy", f"no clock policy '{policy}'", field="policy")
    case.policy_code = policy
    replan_case(session, case, policies.policies[policy], now)
    session.flush()
    refresh_case_due(session, case)
    record_case_event(
        session,
        case,
        action="clock_policy",
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=reason,
        payload={"policy": policy},
    )
    return [clock_view(c, now) for c in clocks_of(session, "case", [case.id]).get(case.id, [])]


def request_extension(
    session: Session,
    case_id: int,
    actor: Actor,
    *,
    milestone: str,
    days: float,
    reason: str,
    now: datetime,
) -> ExtensionRequest:
    """延期申请: the lead unit's handler asks; the head (or the centre) decides. Refused at once
    if the policy could never grant it, so nobody waits for an answer that must be no."""
    case = get_visible_case(session, case_id, actor, for_update=True)
    check_clock_role(actor, {case.lead_unit_id}, REQUESTERS, "request an extension")
    if actor.role in REQUESTERS and actor.unit_id != case.lead_unit_id:
        raise Forbidden("not_handling_unit", "only the lead unit may request an extension")
    if not reason.strip():
        raise Invalid("missing_field", "请填写延期理由", field="reason")
    policy = current_policies(session).policy(case.policy_code)[1]
    limit = next((m.max_extension for m in policy.milestones if m.code == milestone), None)
    clock = session.scalar(
        select(Clock).where(
            Clock.subject == "case",
            Clock.subject_id == case.id,
            Clock.milestone == milestone,
            Clock.state.in_([*OPEN_STATES, BREACHED]),
            Clock.completed_at.is_(None),
        )
    )
    if clock is None:
        raise NotFound("clock_not_found", "该时限已办结或不存在，无需延期")
    if limit is None:
        raise Conflict("not_extendable", f"“{clock.name}”不可延期")
    if clock.extended_seconds > 0:
        raise Conflict("already_extended", "该时限已延期过一次")
    if not 0 < days * 86400 <= parse_duration(limit).total_seconds():
        raise Invalid("bad_extension", f"延期最长{parse_duration(limit).days}天", field="days")
    pending = session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.case_id == case.id,
            ExtensionRequest.milestone == milestone,
            ExtensionRequest.status == "pending",
        )
    )
    if pending is not None:
        raise Conflict("extension_pending", "该时限已有延期申请在等待审批")
    assert actor.staff_id is not None
    request = ExtensionRequest(
        case_id=case.id,
        milestone=milestone,
        days=days,
        reason=reason.strip(),
        requested_by_id=actor.staff_id,
        requested_at=now,
        status="pending",
    )
    session.add(request)
    session.flush()
    record_case_event(
        session,
        case,
        action="extension_request",
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=request.reason,
        payload={"milestone": milestone, "days": days, "request_id": request.id},
    )
    return request


def decide_extension(
    session: Session,
    request_id: int,
    actor: Actor,
    *,
    approve: bool,
    note: str,
    now: datetime,
) -> ExtensionRequest:
    """The head of the lead unit (or the dispatcher, a supervisor) approves, which extends the
    clock (extend_case, within the policy's limit), or refuses with a reason the requester reads."""
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotFound("extension_not_found", f"no extension request {request_id}")
    case = get_visible_case(session, request.case_id, actor, for_update=True)
    check_clock_role(actor, {case.lead_unit_id}, EXTENDERS, "decide an extension")
    if request.status != "pending":
        raise Conflict("extension_decided", "该延期申请已处理")
    if not approve and not note.strip():
        raise Invalid("missing_field", "不同意延期须填写理由", field="note")
    if approve:
        extend_case(
            session,
            case.id,
            actor,
            milestone=request.milestone,
            days=request.days,
            reason=note.strip() or request.reason,
            now=now,
        )
    else:
        record_case_event(
            session,
            case,
            action="extension_refuse",
            actor_label=actor.username,
            actor_id=actor.staff_id,
            now=now,
            reason=note.strip(),
            payload={"milestone": request.milestone, "request_id": request.id},
        )
    request.status = "approved" if approve else "refused"
    request.decided_by_id, request.decided_at, request.decision_note = (
        actor.staff_id,
        now,
        note.strip() or None,
    )
    session.flush()
    return request
