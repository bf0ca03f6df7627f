"""Start, complete, pause, resume and extend clocks; keep the policy set."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case, CaseEvent
from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.sla.calendar import Workdays, add_counted, counted_between
from minyi.sla.calendar_service import calendar_version_columns, load_calendar, settings_overrides
from minyi.sla.models import Clock, ClockPolicySet
from minyi.sla.rules import Milestone, Policy, PolicySet, parse_duration, parse_policy_set

DEFAULT_POLICIES = Path(__file__).with_name("policies.yaml")
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"
# Two ways a clock ends without being met or missed. MOOT: what happened made the milestone
# pointless (a "meet within 2 days" when the case is already answered, an acceptance decision
# after a decline); it never counts as a breach. SUPERSEDED: a reopen (重办) started the case's
# deadlines again and replaced this one.
MOOT, SUPERSEDED = "moot", "superseded"
OPEN_STATES = (RUNNING, PAUSED)

_workdays: Workdays | None = None
# Keyed by (database, version): a process may serve several databases (the tests do), and
# version 2 of one is not version 2 of another.
_policy_cache: dict[tuple[str, int], PolicySet] = {}
_lock = threading.Lock()


def workdays() -> Workdays:
    """The calendar deadlines are counted in: the last one `sync_calendar` read from the tables
    (every use case that computes a deadline syncs first), or China's package calendar with the
    settings' overrides before any session has been seen."""
    global _workdays  # noqa: PLW0603 - a per-process cache of configuration
    if _workdays is None:
        _workdays = settings_overrides()
    return _workdays


def sync_calendar(session: Session) -> Workdays:
    """Pick up an administrator's calendar edit (from any process): one small version query."""
    global _workdays  # noqa: PLW0603
    _workdays = load_calendar(session)
    return _workdays


def set_workdays(value: Workdays) -> None:
    global _workdays  # noqa: PLW0603
    _workdays = value


def current_policies(session: Session) -> PolicySet:
    """The newest policy set (the shipped file until an administrator imports one). Every call
    checks the version; the text is read and parsed only for a version not seen before."""
    # Every planner reads the policies first: the calendar's version comes along in the same
    # round trip (intake's group commit pays this once per batch).
    global _workdays  # noqa: PLW0603
    version, calendar_total, calendar_count = session.execute(
        select(select(func.max(ClockPolicySet.version)).scalar_subquery(), *calendar_version_columns())
    ).one()
    version = version or 0
    _workdays = load_calendar(session, (int(calendar_total), int(calendar_count)))
    key = (str(session.get_bind().engine.url), version)
    with _lock:
        cached = _policy_cache.get(key)
    if cached is None:
        text = session.scalar(select(ClockPolicySet.text).where(ClockPolicySet.version == version)) if version else None
        cached = parse_policy_set(text or DEFAULT_POLICIES.read_text(encoding="utf-8"))
        with _lock:
            _policy_cache[key] = cached
    return cached


def import_policies(session: Session, text: str, *, by: str, now: datetime) -> int:
    parse_policy_set(text)  # refuse a bad file before anything is written
    version = (session.scalar(select(func.max(ClockPolicySet.version))) or 0) + 1
    session.add(ClockPolicySet(version=version, text=text, created_at=now, created_by=by))
    session.flush()
    return version


def policies_text(session: Session) -> str:
    text = session.scalar(select(ClockPolicySet.text).order_by(ClockPolicySet.version.desc()).limit(1))
    return text or DEFAULT_POLICIES.read_text(encoding="utf-8")


def clock_row(
    *, subject: str, subject_id: int, milestone: str, name: str, duration: timedelta, calendar: str,
    warn_ratio: float, started_at: datetime, case_id: int | None, policy_code: str | None = None,
) -> dict[str, Any]:
    total = duration.total_seconds()
    warn = total * warn_ratio
    cal = workdays()
    due = add_counted(calendar, started_at, total, cal)
    warn_at = add_counted(calendar, started_at, warn, cal)
    return {
        "subject": subject, "subject_id": subject_id, "case_id": case_id, "milestone": milestone,
        "name": name, "policy_code": policy_code, "calendar": calendar, "state": RUNNING,
        "started_at": started_at, "due_at": due, "warn_at": warn_at, "next_fire_at": warn_at,
        "total_seconds": total, "warn_seconds": warn, "warned_at": None, "breached_at": None,
        "completed_at": None, "paused_at": None, "pause_reason": None, "remaining_seconds": None,
        "extended_seconds": 0.0,
    }


def milestone_row(m: Milestone, *, subject_id: int, case_id: int, policy_code: str, started_at: datetime) -> dict[str, Any]:
    return clock_row(
        subject="case", subject_id=subject_id, milestone=m.code, name=m.name, duration=m.length,
        calendar=m.calendar, warn_ratio=m.warn_at, started_at=started_at,
        case_id=case_id, policy_code=policy_code,
    )


def start_clock(
    session: Session, *, subject: str, subject_id: int, milestone: str, name: str, duration: timedelta,
    calendar: str = "natural", warn_ratio: float = 0.8, now: datetime, case_id: int | None = None,
) -> Clock:
    sync_calendar(session)
    if duration <= timedelta(0):
        raise Invalid("bad_deadline", "a deadline must lie in the future", field="deadline")
    clock = Clock(**clock_row(
        subject=subject, subject_id=subject_id, milestone=milestone, name=name, duration=duration,
        calendar=calendar, warn_ratio=warn_ratio, started_at=now, case_id=case_id,
    ))
    session.add(clock)
    session.flush()
    return clock


def start_clocks_bulk(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Clock), rows)


def _select(subject: str, subject_id: int, milestones: Iterable[str] | None, states: Iterable[str]) -> Any:
    stmt = select(Clock).where(Clock.subject == subject, Clock.subject_id == subject_id, Clock.state.in_(list(states)))
    if milestones is not None:
        stmt = stmt.where(Clock.milestone.in_(list(milestones)))
    return stmt.with_for_update()


def complete_clocks(session: Session, *, subject: str, subject_id: int, milestones: Iterable[str] | None = None, now: datetime) -> list[Clock]:
    """Met if done in time; a breached clock keeps its red result but records when it was done."""
    done = list(session.scalars(_select(subject, subject_id, milestones, (RUNNING, PAUSED, BREACHED))))
    for clock in done:
        if clock.completed_at is not None:
            continue
        clock.completed_at = now
        clock.next_fire_at = None
        if clock.state != BREACHED:
            clock.state = MET
    session.flush()
    return done


def cancel_clocks(
    session: Session, *, subject: str, subject_id: int, milestones: Iterable[str] | None = None, now: datetime,
    state: str = CANCELLED,
) -> list[Clock]:
    """End the open clocks (running or paused) without a result: cancelled, moot or superseded."""
    ended = list(session.scalars(_select(subject, subject_id, milestones, OPEN_STATES)))
    for clock in ended:
        clock.state, clock.next_fire_at, clock.completed_at = state, None, now
        clock.remaining_seconds = None
    return ended


def pause_clocks(session: Session, *, subject: str, subject_id: int, reason: str, now: datetime) -> list[Clock]:
    sync_calendar(session)
    if not reason.strip():
        raise Invalid("missing_field", "a pause needs a reason", field="reason")
    clocks = list(session.scalars(_select(subject, subject_id, None, (RUNNING,))))
    if not clocks:
        raise Conflict("nothing_to_pause", "no running clock to pause")
    for clock in clocks:
        clock.remaining_seconds = counted_between(clock.calendar, now, clock.due_at, workdays())
        clock.state, clock.paused_at, clock.pause_reason, clock.next_fire_at = PAUSED, now, reason, None
    session.flush()
    return clocks


def resume_clocks(session: Session, *, subject: str, subject_id: int, now: datetime) -> list[Clock]:
    """The clock goes on from where it stopped: what was left when paused is left now."""
    sync_calendar(session)
    clocks = list(session.scalars(_select(subject, subject_id, None, (PAUSED,))))
    if not clocks:
        raise Conflict("nothing_to_resume", "no paused clock to resume")
    cal = workdays()
    for clock in clocks:
        remaining = clock.remaining_seconds or 0.0
        clock.due_at = add_counted(clock.calendar, now, remaining, cal)
        until_warning = remaining - (clock.total_seconds + clock.extended_seconds - clock.warn_seconds)
        if clock.warned_at is None and until_warning > 0:
            clock.warn_at = add_counted(clock.calendar, now, until_warning, cal)
            clock.next_fire_at = clock.warn_at
        else:
            clock.next_fire_at = clock.due_at
        clock.state, clock.paused_at, clock.remaining_seconds = RUNNING, None, None
    session.flush()
    return clocks


def extend_clock(session: Session, *, subject: str, subject_id: int, milestone: str, extra: timedelta, limit: str | None, now: datetime) -> Clock:
    """One approved extension, no longer than the policy allows (信访工作条例: once, ≤ 30 days)."""
    sync_calendar(session)
    clock = session.scalars(_select(subject, subject_id, [milestone], (RUNNING, PAUSED, BREACHED))).first()
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
        clock.due_at = add_counted(clock.calendar, clock.due_at, extra.total_seconds(), workdays())
        if clock.state == BREACHED:
            # The approval came after the breach: the red result stays on the record.
            pass
        elif clock.warned_at is None:
            clock.next_fire_at = clock.warn_at
        else:
            clock.next_fire_at = clock.due_at
    session.flush()
    return clock


def clocks_of(session: Session, subject: str, subject_ids: list[int]) -> dict[int, list[Clock]]:
    out: dict[int, list[Clock]] = {}
    if subject_ids:
        for clock in session.scalars(select(Clock).where(Clock.subject == subject, Clock.subject_id.in_(subject_ids)).order_by(Clock.id)):
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
        "id": clock.id, "milestone": clock.milestone, "name": clock.name, "policy": clock.policy_code,
        "calendar": clock.calendar, "state": clock.state, "colour": colour(clock, now),
        "started_at": clock.started_at, "warn_at": clock.warn_at, "due_at": clock.due_at,
        "seconds_left": left, "warned_at": clock.warned_at, "breached_at": clock.breached_at,
        "completed_at": clock.completed_at, "paused_at": clock.paused_at, "pause_reason": clock.pause_reason,
        "extended_days": round(clock.extended_seconds / 86400, 2) if clock.extended_seconds else 0,
    }


def planned_policy(session: Session, case_id: int) -> str | None:
    return session.scalar(select(Clock.policy_code).where(Clock.subject == "case", Clock.subject_id == case_id).order_by(Clock.id.desc()).limit(1))


def replan_case(session: Session, case: Case, policy: Policy, now: datetime) -> None:
    """Dispatch filed the case under a leaf with another policy: its clocks restart under that
    policy from registration, except milestones already done by an action."""
    cancel_clocks(session, subject="case", subject_id=case.id, now=now)
    actions = set(session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case.id)))
    rows = [
        milestone_row(m, subject_id=case.id, case_id=case.id, policy_code=case.policy_code, started_at=case.registered_at)
        for m in policy.milestones
        if "register" in m.starts_on and not actions & set(m.completed_by)
    ]
    start_clocks_bulk(session, rows)


def refresh_case_due(session: Session, case: Case) -> None:
    dues = session.scalars(
        select(Clock.due_at).where(Clock.subject == "case", Clock.subject_id == case.id, Clock.state.in_([RUNNING, PAUSED]))
    ).all()
    if dues:
        case.due_at = max(dues)
