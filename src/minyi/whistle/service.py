"""Use cases of the whistle: blow (summon departments, each with a report-in clock), report in,
act, confirm. A whistle on a case writes each step on the case's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case, visible_to
from minyi.cases.rules import CaseStatus, is_open
from minyi.cases.service import record_case_event
from minyi.core.errors import Conflict, Forbidden, Invalid
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.sla.service import complete_clocks, start_clock
from minyi.whistle.models import Summons, Whistle
from minyi.whistle.queries import get_visible_whistle
from minyi.whistle.rules import (
    ISSUER_KINDS,
    REPORT_IN,
    SUBJECT,
    SUMMONED_KINDS,
    WhistleStatus,
    check_may_blow,
    check_may_respond,
    check_summoned_codes,
    in_area,
    report_window,
    reported_on_time,
)

DESCRIPTION_MAX = 4000


def blow_whistle(
    session: Session,
    *,
    actor: Actor,
    description: str,
    units: list[str],
    now: datetime,
    case_id: int | None = None,
    place: str | None = None,
    address: str | None = None,
    report_within_minutes: int | None = None,
    tracking_no: str | None = None,
) -> Whistle:
    """`tracking_no` names the case as people know it (the receipt's number), instead of its id."""
    check_may_blow(actor.role, actor.unit_kind)
    description = (description or "").strip()
    if not description:
        raise Invalid("missing_field", "'description' is required", field="description")
    if len(description) > DESCRIPTION_MAX:
        raise Invalid(
            "description_too_long", f"at most {DESCRIPTION_MAX} characters", field="description"
        )
    window = report_window(report_within_minutes)
    codes = check_summoned_codes(units)
    found = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    for code in codes:
        unit = found.get(code)
        if unit is None or unit.kind not in SUMMONED_KINDS or not unit.is_active:
            raise Invalid(
                "bad_unit", f"'{code}' is not a department that can be summoned", field="units"
            )
    case = None
    wanted_no = (tracking_no or "").strip()
    if case_id is None and wanted_no:
        case_id = session.scalar(
            select(Case.id).where(Case.tracking_no == wanted_no, visible_to(actor))
        )
        if case_id is None:
            raise Invalid(
                "unknown_tracking_no", f"no case '{tracking_no}' in your area", field="tracking_no"
            )
    if case_id is not None:
        case = get_visible_case(session, case_id, actor)
        if not is_open(CaseStatus(case.status)):
            raise Conflict(
                "case_not_open", f"case {case_id} is {case.status}; whistle on an open case"
            )
    place_unit = _place(session, place, actor) if place else None
    if place_unit is None and case is not None:
        place_id = case.grid_id or case.community_id or case.street_id
        place_unit = session.get(Unit, place_id) if place_id else None
    address = (address or "").strip() or None
    if case is None and place_unit is None and address is None:
        raise Invalid(
            "missing_field", "whistle on a case, a place (unit code) or an address", field="place"
        )
    assert actor.staff_id is not None and actor.unit_id is not None
    whistle = Whistle(
        issuer_id=actor.staff_id,
        issuer_unit_id=actor.unit_id,
        case_id=case.id if case else None,
        place_unit_id=place_unit.id if place_unit else None,
        address=address,
        description=description,
        report_minutes=int(window.total_seconds() // 60),
        status=WhistleStatus.OPEN.value,
        created_at=now,
    )
    session.add(whistle)
    session.flush()
    for code in codes:
        summons = Summons(
            whistle_id=whistle.id, unit_id=found[code].id, summoned_at=now, due_at=now + window
        )
        session.add(summons)
        session.flush()
        clock = start_clock(
            session,
            subject=SUBJECT,
            subject_id=summons.id,
            milestone=REPORT_IN,
            name=f"{found[code].name}报到",
            duration=window,
            now=now,
            case_id=case.id if case else None,
        )
        summons.due_at = clock.due_at
    if case is not None:
        _case_event(
            session,
            case,
            actor,
            now,
            "whistle",
            description,
            {
                "whistle_id": whistle.id,
                "units": codes,
                "report_within_minutes": whistle.report_minutes,
            },
        )
    session.flush()
    return whistle


def report_in(session: Session, whistle_id: int, *, actor: Actor, now: datetime) -> Summons:
    """报到: the summoned department answers; on time if within the clock."""
    whistle, summons = _my_summons(session, whistle_id, actor)
    if summons.reported_at is not None:
        raise Conflict("already_reported", "your department has already reported in")
    summons.reported_at, summons.reported_by_id = now, actor.staff_id
    complete_clocks(
        session, subject=SUBJECT, subject_id=summons.id, milestones=[REPORT_IN], now=now
    )
    on_time = reported_on_time(now, summons.due_at)
    _whistle_case_event(
        session,
        whistle,
        actor,
        now,
        "whistle_report_in",
        None,
        {"whistle_id": whistle.id, "unit": actor.unit_code, "on_time": on_time},
    )
    session.flush()
    return summons


def act_on_summons(
    session: Session, whistle_id: int, *, actor: Actor, text: str, now: datetime
) -> Summons:
    """What the department did on the spot (执行)."""
    whistle, summons = _my_summons(session, whistle_id, actor)
    text = (text or "").strip()
    if not text:
        raise Invalid(
            "missing_field", "'text' is required: what did your department do?", field="text"
        )
    if len(text) > DESCRIPTION_MAX:
        raise Invalid("text_too_long", f"at most {DESCRIPTION_MAX} characters", field="text")
    if summons.reported_at is None:
        raise Conflict("not_reported_in", "report in (报到) before recording the action")
    if summons.acted_at is not None:
        raise Conflict("already_acted", "your department's action is already recorded")
    summons.action_text, summons.acted_at, summons.acted_by_id = text, now, actor.staff_id
    _whistle_case_event(
        session,
        whistle,
        actor,
        now,
        "whistle_act",
        text,
        {"whistle_id": whistle.id, "unit": actor.unit_code},
    )
    session.flush()
    return summons


def confirm_whistle(
    session: Session,
    whistle_id: int,
    *,
    actor: Actor,
    now: datetime,
    unit: str | None = None,
    note: str | None = None,
) -> Whistle:
    """The issuer's side confirms one department's work (`unit`), or all of it at once, which
    needs every department to have acted. The whistle is confirmed when every summons is."""
    whistle = get_visible_whistle(session, whistle_id, actor, for_update=True)
    if actor.unit_id != whistle.issuer_unit_id or actor.unit_kind not in ISSUER_KINDS:
        raise Forbidden("not_issuer", "only the issuing street, community or grid confirms")
    if whistle.status == WhistleStatus.CONFIRMED:
        raise Conflict("already_confirmed", f"whistle {whistle_id} is already confirmed")
    summonses = list(
        session.scalars(
            select(Summons)
            .where(Summons.whistle_id == whistle.id)
            .order_by(Summons.id)
            .with_for_update()
        )
    )
    codes = {
        u.id: u.code
        for u in session.scalars(select(Unit).where(Unit.id.in_([s.unit_id for s in summonses])))
    }
    pending = [s for s in summonses if s.confirmed_at is None]
    if unit is not None:
        pending = [s for s in pending if codes[s.unit_id] == unit]
        if not pending:
            raise Invalid(
                "not_summoned", f"'{unit}' has no unconfirmed summons on this whistle", field="unit"
            )
    not_acted = [codes[s.unit_id] for s in pending if s.acted_at is None]
    if not_acted:
        raise Conflict("not_acted", f"not yet acted: {', '.join(not_acted)}", units=not_acted)
    note = (note or "").strip() or None
    for s in pending:
        s.confirmed_at, s.confirmed_by_id, s.confirm_note = now, actor.staff_id, note
    if all(s.confirmed_at is not None for s in summonses):
        whistle.status, whistle.confirmed_at = WhistleStatus.CONFIRMED.value, now
    _whistle_case_event(
        session,
        whistle,
        actor,
        now,
        "whistle_confirm",
        note,
        {
            "whistle_id": whistle.id,
            "units": [codes[s.unit_id] for s in pending],
            "status": whistle.status,
        },
    )
    session.flush()
    return whistle


def record_overdue(session: Session, summons_id: int, *, now: datetime) -> None:
    """The report-in clock ran out: the case's timeline says which department did not come."""
    row = session.execute(
        select(Summons, Whistle, Unit)
        .join(Whistle, Whistle.id == Summons.whistle_id)
        .join(Unit, Unit.id == Summons.unit_id)
        .where(Summons.id == summons_id)
    ).first()
    if row is None:
        return
    summons, whistle, unit = row
    if whistle.case_id is None or summons.reported_at is not None:
        return
    case = session.get(Case, whistle.case_id)
    if case is not None:
        record_case_event(
            session,
            case,
            action="whistle_overdue",
            actor_label="system",
            actor_id=None,
            now=now,
            reason=f"{unit.name}未在时限内报到",
            payload={
                "whistle_id": whistle.id,
                "unit": unit.code,
                "due_at": summons.due_at.isoformat(),
            },
        )


def _place(session: Session, code: str, actor: Actor) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or unit.kind not in ISSUER_KINDS:
        raise Invalid("unknown_place", f"no street, community or grid '{code}'", field="place")
    if not in_area(unit.path, actor.unit_path):
        raise Invalid("place_outside_area", f"'{code}' is outside your area", field="place")
    return unit


def _my_summons(session: Session, whistle_id: int, actor: Actor) -> tuple[Whistle, Summons]:
    check_may_respond(actor.role)
    whistle = get_visible_whistle(session, whistle_id, actor)
    summons = session.scalar(
        select(Summons)
        .where(Summons.whistle_id == whistle.id, Summons.unit_id == actor.unit_id)
        .with_for_update()
    )
    if summons is None:
        raise Forbidden("not_summoned", "your unit was not summoned by this whistle")
    if summons.confirmed_at is not None:
        raise Conflict(
            "already_confirmed", "the issuer has already confirmed your department's work"
        )
    return whistle, summons


def _whistle_case_event(
    session: Session,
    whistle: Whistle,
    actor: Actor,
    now: datetime,
    action: str,
    reason: str | None,
    payload: dict[str, Any],
) -> None:
    if whistle.case_id is None:
        return
    case = session.get(Case, whistle.case_id)
    if case is not None:
        _case_event(session, case, actor, now, action, reason, payload)


def _case_event(
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
