"""Boards per role: the dispatcher's, the unit head's, the street/community one, the supervisor's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import CaseFilter, page_cases, visible_to
from minyi.cases.rules import OPEN, WORKING, CaseStatus
from minyi.core.paging import Total
from minyi.org.models import Unit
from minyi.org.rules import AREA_ROLES, Actor, Role
from minyi.services.rules import SERVICE_LABELS, service_of
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.sla.queries import urgency_order
from minyi.triage.models import TriageSuggestion
from minyi.web.case_view import summaries
from minyi.web.pages import WebRoute, render, staff, state_of
from minyi.web.slots import dispatch_panels, unit_panels

router = APIRouter(route_class=WebRoute, include_in_schema=False)
BOARD_SIZE = 50


def _cases(
    session: Session, actor: Actor, f: CaseFilter, now: datetime
) -> tuple[Total, list[dict[str, Any]]]:
    # Boards show the most urgent first (red, then the nearest deadline) and how many there are,
    # counted no further than a cap (then estimated); the inbox pages the rest.
    found = page_cases(session, actor, f, cursor=None, size=BOARD_SIZE, order=urgency_order())
    assert found.total is not None
    return found.total, summaries(session, found.rows, actor, now)


def _with_services(session: Any, items: list[dict[str, Any]]) -> None:
    """Each case's service (五类服务) and, when triage's class points elsewhere, the service its
    suggestion would take: the dispatcher sees a dispute to hand to mediation at a glance."""
    ids = [c["id"] for c in items]
    if not ids:
        return
    cases = {
        i: service_of(class_name, chosen)
        for i, class_name, chosen in session.execute(
            select(Case.id, Case.class_name, Case.service).where(Case.id.in_(ids))
        ).all()
    }
    suggested = {
        i: service_of(class_name)
        for i, class_name in session.execute(
            select(TriageSuggestion.case_id, TriageSuggestion.class_name).where(
                TriageSuggestion.case_id.in_(ids), TriageSuggestion.class_name.is_not(None)
            )
        ).all()
    }
    for c in items:
        current = cases.get(c["id"])
        if current is None:
            continue
        c["service_label"] = SERVICE_LABELS[current]
        hint = suggested.get(c["id"])
        c["suggested_service_label"] = (
            SERVICE_LABELS[hint] if hint is not None and hint is not current else None
        )


@router.get("/console/dispatch")
def dispatch_board(request: Request) -> Response:
    actor = staff(request, {Role.DISPATCHER, Role.ADMIN})
    state = state_of(request)
    now = state.clock.now()
    with state.db.reading(replica=True, reader=actor.username) as session:
        new = _cases(session, actor, CaseFilter(status=[CaseStatus.REGISTERED]), now)
        to_dispatch = _cases(session, actor, CaseFilter(status=[CaseStatus.ACCEPTED]), now)
        bounce_rows = list(
            session.execute(
                select(Case, Appeal)
                .join(Appeal, Appeal.id == Case.appeal_id)
                .where(Case.bounce_pending.is_(True), visible_to(actor))
                .order_by(Case.registered_at)
                .limit(BOARD_SIZE)
            )
        )
        bounces = summaries(session, bounce_rows, actor, now)
        for items in (new[1], to_dispatch[1], bounces):
            _with_services(session, items)
        panels = dispatch_panels(session, actor, now)
        calendar = calendar_status(session, today_in_beijing(now))
    return render(
        request,
        "console/dispatch.html",
        new=new,
        to_dispatch=to_dispatch,
        bounces=bounces,
        panels=panels,
        calendar=calendar,
    )


@router.get("/console/unit")
def unit_board(request: Request) -> Response:
    actor = staff(request, {Role.UNIT_HEAD})
    state = state_of(request)
    now = state.clock.now()
    with state.db.reading(replica=True, reader=actor.username) as session:
        queue = _cases(session, actor, CaseFilter(status=list(WORKING), unit=actor.unit_id), now)
        overdue = _cases(
            session, actor, CaseFilter(status=list(WORKING), unit=actor.unit_id, overdue=True), now
        )
        replied = _cases(
            session, actor, CaseFilter(status=[CaseStatus.REPLIED], unit=actor.unit_id), now
        )
        panels = unit_panels(session, actor, now)
        return render(
            request,
            "console/unit.html",
            queue=queue,
            overdue=overdue,
            replied=replied,
            panels=panels,
        )


@router.get("/console/area")
def area_board(request: Request, case_id: int | None = None) -> Response:
    actor = staff(request, AREA_ROLES)
    state = state_of(request)
    now = state.clock.now()
    # A street's staff see the street's cases, a community's the community's (grid staff: no area).
    f = CaseFilter(
        status=list(OPEN),
        street=actor.unit_id if actor.unit_kind == "street" else None,
        community=actor.unit_id if actor.unit_kind == "community" else None,
    )
    with state.db.reading(replica=True, reader=actor.username) as session:
        cases = _cases(session, actor, f, now)
        unit_name = (
            session.scalar(select(Unit.name).where(Unit.id == actor.unit_id))
            if actor.unit_id
            else None
        )
    return render(
        request, "console/area.html", cases=cases, case_id=case_id, unit_name=unit_name or ""
    )
