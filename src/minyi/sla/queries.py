"""Read side of the clocks: a case's clocks, the urgency order of case lists and the boards read
in it, extension requests. The pause/resume/extend use cases are in sla/service.py, who may take
them in sla/rules.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import (
    URGENCY,
    CaseFilter,
    get_visible_case,
    page_cases,
    reader_views,
    visible_to,
)
from minyi.cases.rules import OPEN, WORKING, CaseStatus
from minyi.core.paging import SortKey, Total
from minyi.org.models import Staff
from minyi.org.rules import Actor, Role
from minyi.sla.models import Clock, ExtensionRequest
from minyi.sla.service import clock_view, clocks_of


def urgency_order() -> list[SortKey]:
    """Sort keys for a case list, most urgent first: the case's nearest deadline among its running
    and breached clocks (a breached one lies in the past, so red comes first, then the clocks
    about to turn), cases with no running clock last, newest first among equals. A paused clock
    is not counted: its due time moves when it resumes. The deadline is `cases.next_due_at`,
    kept by the clock writers (service.refresh_next_due), read through the open cases' urgency
    indexes (cases.models)."""
    return list(URGENCY)


# The boards' case lists: the data of each board's page, read by the web route and timed by
# `minyi bench reads` (bench/reads_roles.py) through these same functions, so the bench measures
# the statements people's pages run. Shaping the rows for a page (web/case_view) is the caller's.
BOARD_SIZE = 50


@dataclass(frozen=True)
class BoardBlock:
    """One block of a board: its most urgent BOARD_SIZE cases as (Case, Appeal) rows, and how
    many it holds (exact up to the cap, then estimated)."""

    total: Total
    rows: list[Any]


def urgent_block(session: Session, actor: Actor, f: CaseFilter) -> BoardBlock:
    found = page_cases(session, actor, f, cursor=None, size=BOARD_SIZE, order=urgency_order())
    assert found.total is not None
    return BoardBlock(found.total, found.rows)


@dataclass(frozen=True)
class DispatchBoard:
    new: BoardBlock
    to_dispatch: BoardBlock
    bounces: list[Any]  # (Case, Appeal): bounces waiting for the dispatcher, oldest first


def dispatch_board(session: Session, actor: Actor) -> DispatchBoard:
    """The dispatcher's board: new cases, accepted cases to dispatch, pending bounces."""
    bounces = list(
        session.execute(
            select(Case, Appeal)
            .join(Appeal, Appeal.id == Case.appeal_id)
            .where(Case.bounce_pending.is_(True), visible_to(actor))
            .order_by(Case.registered_at)
            .limit(BOARD_SIZE)
        )
    )
    return DispatchBoard(
        new=urgent_block(session, actor, CaseFilter(status=[CaseStatus.REGISTERED])),
        to_dispatch=urgent_block(session, actor, CaseFilter(status=[CaseStatus.ACCEPTED])),
        bounces=bounces,
    )


@dataclass(frozen=True)
class UnitBoard:
    queue: BoardBlock
    overdue: BoardBlock
    replied: BoardBlock


def unit_board(session: Session, actor: Actor) -> UnitBoard:
    """The unit head's board: the unit's work, the overdue part of it, its replies awaiting the
    citizen's rating."""
    unit = actor.unit_id
    return UnitBoard(
        queue=urgent_block(session, actor, CaseFilter(status=list(WORKING), unit=unit)),
        overdue=urgent_block(
            session, actor, CaseFilter(status=list(WORKING), unit=unit, overdue=True)
        ),
        replied=urgent_block(session, actor, CaseFilter(status=[CaseStatus.REPLIED], unit=unit)),
    )


def area_board(session: Session, actor: Actor) -> BoardBlock:
    """A street's or a community's open cases (grid staff: those in their scope)."""
    return urgent_block(
        session,
        actor,
        CaseFilter(
            status=list(OPEN),
            street=actor.unit_id if actor.unit_kind == "street" else None,
            community=actor.unit_id if actor.unit_kind == "community" else None,
        ),
    )


def overdue_board(session: Session, actor: Actor) -> BoardBlock:
    """The supervisor's board: the overdue open cases."""
    return urgent_block(session, actor, CaseFilter(overdue=True, status=list(OPEN)))


def case_clocks(
    session: Session, case_id: int, actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    get_visible_case(session, case_id, actor)
    return [clock_view(c, now) for c in clocks_of(session, "case", [case_id]).get(case_id, [])]


def extension_requests(
    session: Session, actor: Actor, *, case_id: int | None = None, pending_only: bool = False
) -> list[dict[str, Any]]:
    """Requests the reader may see: on one case, or (a head's queue) the pending ones of the
    cases their unit leads; each with the requester's and decider's names and the clock's name,
    the reasons through the reader's privacy view of the case (they may quote the citizen)."""
    stmt = (
        select(ExtensionRequest, Case)
        .join(Case, Case.id == ExtensionRequest.case_id)
        .where(visible_to(actor))
        .order_by(ExtensionRequest.requested_at)
    )
    if case_id is not None:
        stmt = stmt.where(ExtensionRequest.case_id == case_id)
    if pending_only:
        stmt = stmt.where(ExtensionRequest.status == "pending")
        if actor.role in (Role.UNIT_HANDLER, Role.UNIT_HEAD):
            stmt = stmt.where(Case.lead_unit_id == actor.unit_id)
    rows = list(session.execute(stmt))
    if not rows:
        # Most cases have none: the case page asks on every view, the names need no lookups.
        return []
    people = {
        s.id: s.name
        for s in session.scalars(
            select(Staff).where(
                Staff.id.in_(
                    {r.requested_by_id for r, _ in rows}
                    | {r.decided_by_id for r, _ in rows if r.decided_by_id}
                )
            )
        )
    }
    views = reader_views(session, actor, {c.id for _, c in rows})
    names = dict(
        session.execute(
            select(Clock.milestone, Clock.name).where(
                Clock.subject == "case", Clock.subject_id.in_({c.id for _, c in rows})
            )
        ).all()
    )
    return [
        {
            "id": r.id,
            "case_id": c.id,
            "tracking_no": c.tracking_no,
            "milestone": r.milestone,
            "milestone_name": names.get(r.milestone, r.milestone),
            "days": r.days,
            "reason": views[c.id].show_text(r.reason),
            "requested_by": people.get(r.requested_by_id, ""),
            "requested_at": r.requested_at,
            "status": r.status,
            "decided_by": people.get(r.decided_by_id or 0),
            "decided_at": r.decided_at,
            "decision_note": views[c.id].show_text(r.decision_note),
        }
        for r, c in rows
    ]


# Prometheus gauges (api/observability.py), computed at scrape time: each one COUNT over an
# indexed prefix (clocks by state), so a scrape every 15 s costs nothing.
def clocks_due(session: Session, now: datetime) -> int:
    """Running clocks whose warning or breach should already have fired: the worker's backlog."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Clock)
            .where(Clock.state == "running", Clock.next_fire_at <= now)
        )
        or 0
    )


def clocks_breached(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Clock).where(Clock.state == "breached"))
        or 0
    )
