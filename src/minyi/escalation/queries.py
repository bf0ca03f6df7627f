"""Read side: a case's escalation, the leaders' queues, holdings, per-leader counts, the backlog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, aliased

from minyi.cases.models import Appeal, Case, CaseEvent, StatusIn
from minyi.cases.queries import reader_views, shown_titles, text_view, visible_to
from minyi.cases.rules import OPEN
from minyi.core.listing import Listing, list_page
from minyi.core.paging import asc, desc
from minyi.escalation.models import CaseEscalation, Holding, HoldingVisit
from minyi.escalation.rules import ACTIVE_HOLDING, HoldingStatus, VisitKind
from minyi.escalation.schemas import BacklogRow, backlog_view, escalation_view, holding_view
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role

ESCALATION_ACTIONS = ("escalate", "escalation_assign")
ACTIVE = [s.value for s in ACTIVE_HOLDING]


def escalation_of(session: Session, case_id: int) -> tuple[CaseEscalation, Staff | None] | None:
    row = session.execute(
        select(CaseEscalation, Staff)
        .outerjoin(Staff, Staff.id == CaseEscalation.assigned_staff_id)
        .where(CaseEscalation.case_id == case_id)
    ).first()
    return (row[0], row[1]) if row else None


def escalation_history(session: Session, case_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.action.in_(ESCALATION_ACTIONS))
            .order_by(CaseEvent.id)
        )
    )


def list_escalations(
    session: Session,
    actor: Actor,
    *,
    level: str | None,
    assigned_to: int | None,
    open_only: bool,
    page: int,
    page_size: int,
    cursor: str | None = None,
) -> Listing[tuple[CaseEscalation, Case, str, Staff | None]]:
    stmt = (
        select(CaseEscalation, Case, Appeal.title, Staff)
        .join(Case, Case.id == CaseEscalation.case_id)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .outerjoin(Staff, Staff.id == CaseEscalation.assigned_staff_id)
        .where(visible_to(actor))
    )
    if level:
        stmt = stmt.where(CaseEscalation.level == level)
    if assigned_to is not None:
        stmt = stmt.where(CaseEscalation.assigned_staff_id == assigned_to)
    if open_only:
        stmt = stmt.where(StatusIn(Case.status, OPEN, lookup=False))
    order = [desc(CaseEscalation.lifted_at), desc(CaseEscalation.case_id)]
    found = list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)
    return found.map(lambda r: (r[0], r[1], r[2], r[3]))


def active_holding(session: Session, case_id: int) -> Holding | None:
    return session.scalar(select(Holding).where(Holding.active_case_id == case_id))


def holdings_of_case(session: Session, case_id: int) -> list[Holding]:
    return list(
        session.scalars(select(Holding).where(Holding.case_id == case_id).order_by(Holding.id))
    )


def visits_of(session: Session, holding_ids: list[int]) -> dict[int, list[HoldingVisit]]:
    out: dict[int, list[HoldingVisit]] = {}
    if holding_ids:
        for v in session.scalars(
            select(HoldingVisit)
            .where(HoldingVisit.holding_id.in_(holding_ids))
            .order_by(HoldingVisit.visited_at, HoldingVisit.id)
        ):
            out.setdefault(v.holding_id, []).append(v)
    return out


def staff_names(session: Session, ids: set[int | None]) -> dict[int, tuple[str, str, str | None]]:
    """id -> (username, name, title)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        sid: (u, n, t)
        for sid, u, n, t in session.execute(
            select(Staff.id, Staff.username, Staff.name, Staff.title).where(Staff.id.in_(wanted))
        )
    }


def list_holdings(
    session: Session,
    actor: Actor,
    *,
    leader_id: int | None,
    status: str | None,
    page: int,
    page_size: int,
    cursor: str | None = None,
) -> Listing[tuple[Holding, Case, str]]:
    stmt = (
        select(Holding, Case, Appeal.title)
        .join(Case, Case.id == Holding.case_id)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(visible_to(actor))
    )
    if leader_id is not None:
        stmt = stmt.where(Holding.leader_id == leader_id)
    if status:
        stmt = stmt.where(Holding.status == status)
    order = [desc(Holding.taken_at), desc(Holding.id)]
    found = list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)
    return found.map(lambda r: (r[0], r[1], r[2]))


@dataclass(frozen=True)
class LeaderCounts:
    username: str
    name: str
    title: str | None
    held: int
    closed: int
    active: int
    receptions: int
    home_visits: int
    people_met: int

    @property
    def rate(self) -> float | None:
        """包案化解率: released (销案) over taken; None before the first holding."""
        return round(self.closed / self.held, 4) if self.held else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "leader": self.username,
            "name": self.name,
            "title": self.title,
            "held": self.held,
            "closed": self.closed,
            "active": self.active,
            "rate": self.rate,
            "receptions": self.receptions,
            "home_visits": self.home_visits,
            "people_met": self.people_met,
        }


def leader_counts(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[LeaderCounts]:
    """Per leader, every leader listed (zeros included): holdings taken in the period, how many
    were released, and the receptions and home visits recorded in it."""
    h_filter: list[ColumnElement[bool]] = []
    v_filter: list[ColumnElement[bool]] = []
    if since is not None:
        h_filter.append(Holding.taken_at >= since)
        v_filter.append(HoldingVisit.visited_at >= since)
    if until is not None:
        h_filter.append(Holding.taken_at < until)
        v_filter.append(HoldingVisit.visited_at < until)
    held = (
        select(
            Holding.leader_id.label("leader_id"),
            func.count().label("held"),
            func.sum(sql_case((Holding.status == HoldingStatus.CLOSED.value, 1), else_=0)).label(
                "closed"
            ),
            func.sum(sql_case((Holding.status.in_(ACTIVE), 1), else_=0)).label("active"),
        )
        .where(*h_filter)
        .group_by(Holding.leader_id)
        .subquery()
    )
    visits = (
        select(
            HoldingVisit.recorded_by_id.label("leader_id"),
            func.sum(sql_case((HoldingVisit.kind == VisitKind.RECEPTION.value, 1), else_=0)).label(
                "receptions"
            ),
            func.sum(sql_case((HoldingVisit.kind == VisitKind.HOME_VISIT.value, 1), else_=0)).label(
                "home_visits"
            ),
            func.sum(HoldingVisit.people).label("people"),
        )
        .where(*v_filter)
        .group_by(HoldingVisit.recorded_by_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Staff.username,
            Staff.name,
            Staff.title,
            held.c.held,
            held.c.closed,
            held.c.active,
            visits.c.receptions,
            visits.c.home_visits,
            visits.c.people,
        )
        .outerjoin(held, held.c.leader_id == Staff.id)
        .outerjoin(visits, visits.c.leader_id == Staff.id)
        .where(Staff.role == Role.LEADER.value)
        .order_by(Staff.id)
    )
    return [
        LeaderCounts(
            u, n, t, int(h or 0), int(c or 0), int(a or 0), int(r or 0), int(hv or 0), int(p or 0)
        )
        for u, n, t, h, c, a, r, hv, p in rows
    ]


def backlog(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    min_age_days: int,
    page: int,
    page_size: int,
    level: str | None = None,
    held: bool | None = None,
    cursor: str | None = None,
) -> Listing[BacklogRow]:
    """积案: open cases registered at least `min_age_days` ago, oldest first, with their level,
    holder and plan."""
    lead = aliased(Unit)
    holder = aliased(Staff)
    stmt = (
        select(
            Case,
            Appeal.title,
            lead.code,
            lead.name,
            CaseEscalation.level,
            Holding,
            holder.username,
            holder.name,
        )
        .join(Appeal, Appeal.id == Case.appeal_id)
        .outerjoin(lead, lead.id == Case.lead_unit_id)
        .outerjoin(CaseEscalation, CaseEscalation.case_id == Case.id)
        .outerjoin(Holding, Holding.active_case_id == Case.id)
        .outerjoin(holder, holder.id == Holding.leader_id)
        .where(
            StatusIn(Case.status, OPEN),
            Case.registered_at <= now - timedelta(days=min_age_days),
            visible_to(actor),
        )
    )
    if level:
        stmt = stmt.where(CaseEscalation.level == level)
    if held is not None:
        stmt = stmt.where(Holding.id.is_not(None) if held else Holding.id.is_(None))
    order = [asc(Case.registered_at), asc(Case.id)]
    found = list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)
    return found.map(
        lambda r: BacklogRow(
            r[0], r[1], (r[2], r[3]) if r[2] else None, r[4], r[5], (r[6], r[7]) if r[6] else None
        )
    )


# ---- views: the texts through the reader's privacy view of each case ------------------------


def describe_holdings(
    session: Session, holdings: list[Holding], *, actor: Actor
) -> list[dict[str, Any]]:
    """Holdings as `actor` may read them: the case's title, the plan, the review, the decision and
    the visit notes through the reader's view of each held case. A fixed number of queries."""
    case_ids = {h.case_id for h in holdings}
    visits = visits_of(session, [h.id for h in holdings])
    names = staff_names(session, {i for h in holdings for i in (h.leader_id, h.decided_by_id)})
    views = reader_views(session, actor, case_ids)
    titles = shown_titles(session, actor, case_ids)
    tracking = (
        dict(session.execute(select(Case.id, Case.tracking_no).where(Case.id.in_(case_ids))).all())
        if case_ids
        else {}
    )
    return [
        holding_view(
            h,
            visits.get(h.id, []),
            names,
            view=text_view(views, h.case_id),
            title=titles.get(h.case_id),
            tracking_no=tracking.get(h.case_id),
        )
        for h in holdings
    ]


def describe_escalation(session: Session, case_id: int, *, actor: Actor) -> dict[str, Any]:
    """A case's escalation with its lifts and holdings, as `actor` may read them."""
    view = text_view(reader_views(session, actor, [case_id]), case_id)
    found = escalation_of(session, case_id)
    out = escalation_view(
        found[0] if found else None,
        found[1] if found else None,
        escalation_history(session, case_id),
        view=view,
    )
    out["holdings"] = describe_holdings(session, holdings_of_case(session, case_id), actor=actor)
    return out


def describe_backlog(
    session: Session, rows: list[BacklogRow], now: datetime, *, actor: Actor
) -> list[dict[str, Any]]:
    views = reader_views(session, actor, {r.case.id for r in rows})
    return [backlog_view(r, now, view=text_view(views, r.case.id)) for r in rows]
