"""Boards per role: the dispatcher's, the unit head's, the street/community one, the supervisor's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.core.paging import Total
from minyi.org.models import Unit
from minyi.org.rules import AREA_ROLES, Actor, Role
from minyi.services.rules import SERVICE_LABELS, service_of
from minyi.sla import queries as boards
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.sla.queries import BoardBlock
from minyi.triage.models import TriageSuggestion
from minyi.web.case_view import summaries
from minyi.web.pages import WebRoute, render, staff, state_of
from minyi.web.slots import dispatch_panels, unit_panels

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def block_view(
    session: Session, actor: Actor, block: BoardBlock, now: datetime
) -> tuple[Total, list[dict[str, Any]]]:
    """A board's block as the page shows it: how many, and the most urgent (red, then the nearest
    deadline) as summaries; the inbox pages the rest. The rows are sla.queries' board reads."""
    return block.total, summaries(session, block.rows, actor, now)


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
        board = boards.dispatch_board(session, actor)
        new = block_view(session, actor, board.new, now)
        to_dispatch = block_view(session, actor, board.to_dispatch, now)
        bounces = summaries(session, board.bounces, actor, now)
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
        board = boards.unit_board(session, actor)
        queue = block_view(session, actor, board.queue, now)
        overdue = block_view(session, actor, board.overdue, now)
        replied = block_view(session, actor, board.replied, now)
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
    with state.db.reading(replica=True, reader=actor.username) as session:
        cases = block_view(session, actor, boards.area_board(session, actor), now)
        unit_name = (
            session.scalar(select(Unit.name).where(Unit.id == actor.unit_id))
            if actor.unit_id
            else None
        )
    return render(
        request, "console/area.html", cases=cases, case_id=case_id, unit_name=unit_name or ""
    )
