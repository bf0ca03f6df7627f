"""The leader dashboard: cases held (包案), the areas covered (分片包联) with their figures, and
the slots for today's daily report and the hotspots (see slots.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.cases.rules import WORKING, CaseStatus
from minyi.escalation.queries import list_escalations, list_holdings
from minyi.mailboxes.queries import leader_inbox
from minyi.org.models import LeaderArea, Unit
from minyi.org.rules import Role
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.web.pages import WebRoute, render, staff, state_of
from minyi.web.slots import leader_panels

router = APIRouter(route_class=WebRoute, include_in_schema=False)
OPEN = [s.value for s in (CaseStatus.REGISTERED, CaseStatus.ACCEPTED, *WORKING)]
CLOSED = [s.value for s in (CaseStatus.REPLIED, CaseStatus.RATED, CaseStatus.ARCHIVED)]


def area_figures(session: Session, staff_id: int) -> list[dict[str, Any]]:
    """Per covered street or community: cases, open, overdue, closed, 不满意; worst first."""
    areas = list(session.scalars(select(Unit).join(LeaderArea, LeaderArea.unit_id == Unit.id).where(LeaderArea.staff_id == staff_id).order_by(Unit.code)))
    out = []
    for unit in areas:
        where = or_(Case.street_id == unit.id, Case.community_id == unit.id)
        total, open_, overdue, closed, unhappy = session.execute(
            select(
                func.count(),
                func.sum(sql_case((Case.status.in_(OPEN), 1), else_=0)),
                func.sum(sql_case((Case.is_overdue.is_(True) & Case.status.in_(OPEN), 1), else_=0)),
                func.sum(sql_case((Case.status.in_(CLOSED), 1), else_=0)),
                func.sum(sql_case((Case.rating == "unsatisfied", 1), else_=0)),
            ).where(where)
        ).one()
        out.append({"code": unit.code, "name": unit.name, "kind": unit.kind, "total": total or 0, "open": open_ or 0,
                    "overdue": overdue or 0, "closed": closed or 0, "unsatisfied": unhappy or 0})
    return sorted(out, key=lambda r: (-r["overdue"], -r["open"], r["code"]))


@router.get("/leader")
def dashboard(request: Request) -> Response:
    actor = staff(request, {Role.LEADER})
    state = state_of(request)
    now = state.clock.now()
    with state.db.reading() as session:
        held_total, held = list_holdings(session, actor, leader_id=actor.staff_id, status=None, page=1, page_size=50)
        lifted_total, lifted = list_escalations(session, actor, level=None, assigned_to=actor.staff_id, open_only=True, page=1, page_size=20)
        return render(
            request, "leader/dashboard.html", held=held, held_total=held_total, lifted=lifted, lifted_total=lifted_total,
            mailbox=leader_inbox(session, actor, page_size=10, now=now),
            areas=area_figures(session, actor.staff_id or 0), panels=leader_panels(session, actor, now),
            calendar=calendar_status(session, today_in_beijing(now)),
        )
