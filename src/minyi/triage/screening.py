"""The complaint-target check of a case, run before anyone can read or dispatch it.

Intake's group commit asks it (a planner, cases/hooks.py) for every new case, so the case row is
written with `identity_hidden_from` already set; a dispatch asks it for a case that skipped the
planner (an import, a legacy row, a planner failure), and the worker sweeps whatever is left.
`accused_checked_at` records that the check ran: until then every unit-level reader sees the
case masked (cases/schemas.py `identity_hidden_from`). The detector and the gazetteer are the
cached ones triage uses, and the place is read the way the triage pipeline reads it, so the
worker's later pass finds the same units and has nothing to add.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.hooks import RegisteredCase
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.cases.rules import CaseStatus
from minyi.cases.service import hide_identity
from minyi.core.bulk import insert_rows
from minyi.triage.accused.detector import AccusedDetector
from minyi.triage.accused.store import detector_for
from minyi.triage.places.gazetteer import Gazetteer
from minyi.triage.places.store import gazetteer_for
from minyi.triage.places.values import Place
from minyi.triage.routing.recommend import complete_place

log = logging.getLogger(__name__)

SYSTEM_LABEL = "triage"
HIDE_REASON = "诉求反映的对象为该单位或其工作人员：依《信访工作条例》回避办理，并对其隐去诉求人身份"
# A sweep takes this many unchecked cases per transaction.
SWEEP_BATCH = 200


@dataclass(frozen=True, slots=True)
class Screen:
    """The cached detector and gazetteer of one database: `accused` is pure."""

    detector: AccusedDetector
    gazetteer: Gazetteer

    def accused(
        self,
        text: str,
        address: str | None,
        street_id: int | None,
        community_id: int | None,
        grid_id: int | None,
    ) -> list[str]:
        units = self.gazetteer.units

        def code(unit_id: int | None) -> str | None:
            unit = units.get(unit_id) if unit_id is not None else None
            return unit.code if unit else None

        given = Place(code(street_id), code(community_id), code(grid_id))
        place: Any = given if any((given.street, given.community, given.grid)) else None
        if place is None:
            found = self.gazetteer.find_place(text, address, limit=1)
            place = found[0].place if found else None
        return list(
            self.detector.find(text, complete_place(self.gazetteer, place)).hide_identity_from
        )


def screen_for(session: Session) -> Screen:
    return Screen(detector_for(session), gazetteer_for(session))


def plan_accused(session: Session, cases: list[RegisteredCase]) -> dict[int, dict[str, Any]]:
    """Intake's planner: the accused units and the check's time, columns of the new case rows.
    A case the detector fails on is left unchecked (masked for every unit until a dispatch or
    the sweep checks it) rather than failing the citizens' registrations; a database error
    still fails the batch, whose transaction it spoilt, and the batch is redone item by item."""
    screen = screen_for(session)
    planned: dict[int, dict[str, Any]] = {}
    for c in cases:
        try:
            hidden = screen.accused(c.text, c.address, c.street_id, c.community_id, c.grid_id)
        except Exception:
            log.exception(
                "complaint-target check failed for case %d; it stays masked until checked",
                c.case_id,
            )
            planned[c.case_id] = {"identity_hidden_from": None, "accused_checked_at": None}
        else:
            planned[c.case_id] = {
                "identity_hidden_from": hidden or None,
                "accused_checked_at": c.planned_at,
            }
    return planned


def record_planned(session: Session, cases: list[RegisteredCase]) -> None:
    """The `hide_identity` events of what `plan_accused` decided, after the case rows exist."""
    insert_rows(
        session,
        CaseEvent,
        [
            {
                "case_id": c.case_id,
                "at": c.planned_at,
                "action": "hide_identity",
                "actor_id": None,
                "actor_label": SYSTEM_LABEL,
                "from_status": CaseStatus.REGISTERED.value,
                "to_status": CaseStatus.REGISTERED.value,
                "reason": HIDE_REASON,
                "payload": {"units": list(c.identity_hidden_from)},
            }
            for c in cases
            if c.identity_hidden_from
        ],
    )


def check_case(
    session: Session, case: Case, *, now: datetime, screen: Screen | None = None
) -> list[str]:
    """Check one case that has not been checked (a no-op for one that has: a dispatcher's
    `lift_identity_hiding` since must stand). Returns the units newly hidden from."""
    if case.accused_checked_at is not None:
        return []
    appeal = session.get(Appeal, case.appeal_id)
    assert appeal is not None
    screen = screen or screen_for(session)
    units = screen.accused(
        "\n".join(p for p in (appeal.title, appeal.body) if p),
        appeal.address,
        case.street_id,
        case.community_id,
        case.grid_id,
    )
    new = (
        hide_identity(session, case, units, actor_label=SYSTEM_LABEL, now=now, reason=HIDE_REASON)
        if units
        else []
    )
    case.accused_checked_at = now
    return new


def check_unchecked(session: Session, *, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """The worker's sweep over cases registered by a path that skipped the planner."""
    cases = session.scalars(
        select(Case)
        .where(Case.accused_checked_at.is_(None))
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if cases:
        screen = screen_for(session)
        for case in cases:
            check_case(session, case, now=now, screen=screen)
        session.flush()
    return len(cases)
