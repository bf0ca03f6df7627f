"""Subscribe to the events that give a unit work: case actions (dispatch, reopen), clock
firings (yellow, red) and supervision issues (instruction tasks, orders, letters). Every notice
is written in the triggering transaction: a rolled-back action notifies no one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.hooks import CASE_ACTION, ActionDone
from minyi.cases.models import Case, CaseUnit
from minyi.core.registry import Registry
from minyi.notifications.rules import Kind, dedupe_key
from minyi.notifications.service import notify_units
from minyi.sla.hooks import CLOCK_FIRED
from minyi.sla.models import Clock
from minyi.supervision.hooks import ISSUED, Issued

ISSUED_KINDS = {"instruction": Kind.INSTRUCTION, "order": Kind.ORDER, "letter": Kind.LETTER}
CASE_CLOCK_KINDS = {"warning": Kind.CLOCK_WARNING, "breach": Kind.CLOCK_BREACH}


def _active_units(session: Session, case_id: int) -> list[tuple[int, int, str]]:
    """(case-unit row id, unit id, role) of the units handling the case now."""
    return [
        (row_id, unit_id, role)
        for row_id, unit_id, role in session.execute(
            select(CaseUnit.id, CaseUnit.unit_id, CaseUnit.role)
            .where(CaseUnit.case_id == case_id, CaseUnit.is_active.is_(True))
            .order_by(CaseUnit.id)
        )
    ]


def on_action(session: Session, done: ActionDone) -> None:
    if done.action == "dispatch":
        # Keyed by the assignment row: a redispatch tells the newly named units, not again the
        # ones that keep the case.
        for row_id, unit_id, _ in _active_units(session, done.case_id):
            notify_units(
                session,
                unit_ids=[unit_id],
                kind=Kind.ASSIGNED,
                case_id=done.case_id,
                subject_id=None,
                key=dedupe_key(Kind.ASSIGNED, row_id),
                now=done.at,
            )
    elif done.action == "reopen":
        units = [u for _, u, role in _active_units(session, done.case_id) if role == "lead"]
        notify_units(
            session,
            unit_ids=units,
            kind=Kind.REOPENED,
            case_id=done.case_id,
            subject_id=None,
            key=dedupe_key(Kind.REOPENED, done.case_id, done.at.isoformat()),
            now=done.at,
        )


def on_clock(session: Session, clock: Clock, kind: str, now: datetime) -> None:
    notice = CASE_CLOCK_KINDS.get(kind)
    if notice is None or clock.subject != "case" or clock.case_id is None:
        return
    units = [u for _, u, _ in _active_units(session, clock.case_id)]
    if not units:
        first = session.scalar(select(Case.first_unit_id).where(Case.id == clock.case_id))
        units = [first] if first else []
    notify_units(
        session,
        unit_ids=units,
        kind=notice,
        case_id=clock.case_id,
        subject_id=clock.id,
        key=dedupe_key(notice, clock.id),
        now=now,
    )


def on_supervision(session: Session, issued: Issued) -> None:
    kind = ISSUED_KINDS.get(issued.kind)
    if kind is None or issued.unit_id is None:
        return
    notify_units(
        session,
        unit_ids=[issued.unit_id],
        kind=kind,
        case_id=issued.case_id,
        subject_id=issued.subject_id,
        key=dedupe_key(kind, issued.subject_id),
        now=issued.at,
    )


def install(registry: Registry) -> None:
    registry.add(CASE_ACTION, "notifications.case", on_action)
    registry.add(CLOCK_FIRED, "notifications.clock", on_clock)
    registry.add(ISSUED, "notifications.supervision", on_supervision)
