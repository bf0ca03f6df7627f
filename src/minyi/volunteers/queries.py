"""Read side of the volunteers: lists for the console, a volunteer's ledger and balance, the
rankings (a community's, the district's) and the figures of an area. Names and phones leave
through the privacy policy (`minyi.privacy.rules.volunteer_contact`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.core.listing import Listing, list_page
from minyi.core.paging import desc
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import Show, volunteer_contact, volunteer_show, volunteer_text
from minyi.volunteers.models import PointEntry, PointRule, Volunteer, VolunteerReport
from minyi.volunteers.rules import (
    REPORT_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    ReportState,
    RuleKind,
    Standing,
    VolunteerStatus,
    ranked,
)
from minyi.volunteers.service import reader_path


def _scope(path: str) -> Any:
    return Unit.path.startswith(path, autoescape=True)


def communities(session: Session, path: str = "") -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.kind == "community", Unit.is_active.is_(True), _scope(path))
            .order_by(Unit.code)
        )
    )


def balances(session: Session, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        session.execute(  # type: ignore[arg-type]
            select(PointEntry.volunteer_id, func.sum(PointEntry.points))
            .where(PointEntry.volunteer_id.in_(ids))
            .group_by(PointEntry.volunteer_id)
        ).all()
    )


def balance(session: Session, volunteer_id: int) -> int:
    return balances(session, {volunteer_id}).get(volunteer_id, 0)


def volunteer_row(session: Session, actor: Actor, volunteer_id: int) -> dict[str, Any]:
    """One volunteer's row of `volunteer_page`, as this reader sees it."""
    return volunteer_page(session, actor, volunteer_id=volunteer_id, page_size=1).rows[0]


def volunteer_page(
    session: Session,
    actor: Actor,
    *,
    status: VolunteerStatus | None = None,
    page: int = 1,
    page_size: int = 50,
    volunteer_id: int | None = None,
    cursor: str | None = None,
) -> Listing[dict[str, Any]]:
    path = reader_path(actor)
    query = (
        select(Volunteer, Unit.name, Unit.path)
        .join(Unit, Unit.id == Volunteer.community_id)
        .where(_scope(path))
    )
    if status is not None:
        query = query.where(Volunteer.status == status.value)
    if volunteer_id is not None:
        query = query.where(Volunteer.id == volunteer_id)
    order = [desc(Volunteer.registered_at), desc(Volunteer.id)]
    found = list_page(session, query, order, page=page, page_size=page_size, cursor=cursor)
    rows = found.rows
    points = balances(session, {v.id for v, _, _ in rows})
    out = []
    for v, community, community_path in rows:
        name, phone = volunteer_contact(actor, v.name, v.phone, community_path=community_path)
        out.append(
            {
                "id": v.id,
                "code": v.code,
                "name": name,
                "phone": phone,
                "community": community,
                "status": v.status,
                "status_label": STATUS_LABELS[VolunteerStatus(v.status)],
                "registered_via": v.registered_via,
                "registered_at": v.registered_at,
                "points": points.get(v.id, 0),
                "may_decide": volunteer_show(actor, community_path=community_path) is Show.CLEAR,
            }
        )
    return found.with_rows(out)


def report_row(session: Session, actor: Actor, report_id: int) -> dict[str, Any]:
    """One report's row of `report_page`, as this reader sees it."""
    return report_page(session, actor, report_id=report_id, page_size=1).rows[0]


def report_page(
    session: Session,
    actor: Actor,
    *,
    state: ReportState | None = None,
    page: int = 1,
    page_size: int = 50,
    report_id: int | None = None,
    cursor: str | None = None,
) -> Listing[dict[str, Any]]:
    path = reader_path(actor)
    query = (
        select(VolunteerReport, Volunteer, Unit.name, Unit.path, Case.tracking_no, Case.status)
        .join(Volunteer, Volunteer.id == VolunteerReport.volunteer_id)
        .join(Unit, Unit.id == VolunteerReport.community_id)
        .outerjoin(Case, Case.id == VolunteerReport.case_id)
        .where(_scope(path))
    )
    if state is not None:
        query = query.where(VolunteerReport.state == state.value)
    if report_id is not None:
        query = query.where(VolunteerReport.id == report_id)
    order = [desc(VolunteerReport.submitted_at), desc(VolunteerReport.id)]
    found = list_page(session, query, order, page=page, page_size=page_size, cursor=cursor)
    rows = found.rows
    earned = dict(
        session.execute(  # type: ignore[arg-type]
            select(PointEntry.report_id, func.sum(PointEntry.points))
            .where(PointEntry.report_id.in_({r[0].id for r in rows}))
            .group_by(PointEntry.report_id)
        ).all()
    )
    out = []
    for report, v, community, community_path, tracking_no, case_status in rows:
        name, _ = volunteer_contact(actor, v.name, v.phone, community_path=community_path)
        out.append(
            {
                "id": report.id,
                "volunteer_id": v.id,
                "volunteer_code": v.code,
                "volunteer": name,
                "community": community,
                "title": volunteer_text(
                    actor, report.title, community_path=community_path, name=v.name
                ),
                "body": volunteer_text(
                    actor, report.body, community_path=community_path, name=v.name
                ),
                "address": volunteer_text(
                    actor, report.address, community_path=community_path, name=v.name
                ),
                "submitted_at": report.submitted_at,
                "state": report.state,
                "state_label": REPORT_LABELS[ReportState(report.state)],
                "case_id": report.case_id,
                "tracking_no": tracking_no,
                "case_status": case_status,
                "points": earned.get(report.id, 0),
                "may_verify": volunteer_show(actor, community_path=community_path) is Show.CLEAR,
            }
        )
    return found.with_rows(out)


def report_receipt(session: Session, report_id: int) -> tuple[str | None, str]:
    """(the case's tracking number, the report's state): what a receipt tells, no personal data."""
    row = session.execute(
        select(Case.tracking_no, VolunteerReport.state)
        .select_from(VolunteerReport)
        .outerjoin(Case, Case.id == VolunteerReport.case_id)
        .where(VolunteerReport.id == report_id)
    ).one()
    return row[0], row[1]


@dataclass(frozen=True)
class LedgerLine:
    id: int
    created_at: datetime
    points: int
    kind: str
    kind_label: str
    reason: str
    tracking_no: str | None
    rule_id: int
    report_id: int


def ledger(session: Session, volunteer_id: int, *, limit: int = 200) -> list[LedgerLine]:
    rows = session.execute(
        select(PointEntry, Case.tracking_no)
        .outerjoin(Case, Case.id == PointEntry.case_id)
        .where(PointEntry.volunteer_id == volunteer_id)
        .order_by(PointEntry.id.desc())
        .limit(limit)
    ).all()
    return [
        LedgerLine(
            e.id,
            e.created_at,
            e.points,
            e.kind,
            RULE_LABELS.get(RuleKind(e.kind), e.kind),
            e.reason,
            no,
            e.rule_id,
            e.report_id,
        )
        for e, no in rows
    ]


def own_reports(session: Session, volunteer_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    """A volunteer's own reports for their portal page (their own words: in clear)."""
    rows = session.execute(
        select(VolunteerReport, Case.tracking_no)
        .outerjoin(Case, Case.id == VolunteerReport.case_id)
        .where(VolunteerReport.volunteer_id == volunteer_id)
        .order_by(VolunteerReport.id.desc())
        .limit(limit)
    ).all()
    earned = dict(
        session.execute(  # type: ignore[arg-type]
            select(PointEntry.report_id, func.sum(PointEntry.points))
            .where(PointEntry.volunteer_id == volunteer_id)
            .group_by(PointEntry.report_id)
        ).all()
    )
    return [
        {
            "id": r.id,
            "title": r.title,
            "submitted_at": r.submitted_at,
            "state": r.state,
            "state_label": REPORT_LABELS[ReportState(r.state)],
            "tracking_no": no,
            "points": earned.get(r.id, 0),
        }
        for r, no in rows
    ]


def ranking(
    session: Session,
    actor: Actor | None,
    *,
    area_path: str = "",
    limit: int = 50,
    is_public: bool = False,
) -> list[dict[str, Any]]:
    """The approved volunteers of an area (a community, a street, the district) by points, with
    their verified reports. The public reads masked names; staff read them through the policy."""
    verified = (
        select(
            VolunteerReport.volunteer_id.label("vid"),
            func.count().label("n"),
        )
        .where(VolunteerReport.state == ReportState.VERIFIED)
        .group_by(VolunteerReport.volunteer_id)
        .subquery()
    )
    points = (
        select(PointEntry.volunteer_id.label("vid"), func.sum(PointEntry.points).label("p"))
        .group_by(PointEntry.volunteer_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Volunteer,
            Unit.name,
            Unit.path,
            func.coalesce(points.c.p, 0),
            func.coalesce(verified.c.n, 0),
        )
        .join(Unit, Unit.id == Volunteer.community_id)
        .outerjoin(points, points.c.vid == Volunteer.id)
        .outerjoin(verified, verified.c.vid == Volunteer.id)
        .where(Volunteer.status == VolunteerStatus.APPROVED, _scope(area_path))
    ).all()
    by_id = {v.id: (v, community, path) for v, community, path, _, _ in rows}
    standings = [Standing(v.id, int(p), int(n)) for v, _, _, p, n in rows]
    out = []
    for place, s in ranked(standings)[:limit]:
        v, community, path = by_id[s.volunteer_id]
        name, _ = volunteer_contact(
            None if is_public else actor, v.name, v.phone, community_path=path
        )
        out.append(
            {
                "rank": place,
                "volunteer_id": v.id,
                "name": name,
                "community": community,
                "points": s.points,
                "verified": s.verified,
            }
        )
    return out


@dataclass(frozen=True)
class Figures:
    volunteers: int
    pending: int
    reports: int
    verified: int
    points: int


def figures(
    session: Session,
    area_path: str = "",
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Figures:
    """志愿者人数 and 待审核 now; 上报 (submitted), 核实属实 (verified) and 积分发放 (awarded) in
    [since, until) when given (the daily report's day), else ever. Counts only: no names."""

    def within(column: Any) -> Any:
        return and_(
            true() if since is None else column >= since,
            true() if until is None else column < until,
        )

    vol = session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(case((Volunteer.status == VolunteerStatus.PENDING, 1), else_=0)), 0
            ),
        )
        .select_from(Volunteer)
        .join(Unit, Unit.id == Volunteer.community_id)
        .where(_scope(area_path), Volunteer.status != VolunteerStatus.REJECTED)
    ).one()
    reports = session.scalar(
        select(func.count())
        .select_from(VolunteerReport)
        .join(Unit, Unit.id == VolunteerReport.community_id)
        .where(_scope(area_path), within(VolunteerReport.submitted_at))
    )
    verified = session.scalar(
        select(func.count())
        .select_from(VolunteerReport)
        .join(Unit, Unit.id == VolunteerReport.community_id)
        .where(
            _scope(area_path),
            VolunteerReport.state == ReportState.VERIFIED,
            within(VolunteerReport.decided_at),
        )
    )
    pts = session.scalar(
        select(func.coalesce(func.sum(PointEntry.points), 0))
        .join(Volunteer, Volunteer.id == PointEntry.volunteer_id)
        .join(Unit, Unit.id == Volunteer.community_id)
        .where(_scope(area_path), within(PointEntry.created_at))
    )
    return Figures(int(vol[0]), int(vol[1]), int(reports or 0), int(verified or 0), int(pts or 0))


def rules_table(session: Session) -> list[PointRule]:
    return list(
        session.scalars(
            select(PointRule).order_by(PointRule.kind.desc(), PointRule.class_name.nulls_first())
        )
    )


def area_of(session: Session, code: str | None, path: str) -> Unit | None:
    """The street or community asked for, within `path`; None for the whole of `path`."""
    if not code:
        return None
    unit = session.scalar(
        select(Unit).where(Unit.code == code, Unit.kind.in_(("street", "community")))
    )
    if unit is None or not unit.path.startswith(path):
        return None
    return unit


def area_ledger(session: Session, path: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """The latest ledger entries of an area's volunteers (the console's ledger page)."""
    rows = session.execute(
        select(PointEntry, Volunteer.code, Case.tracking_no)
        .join(Volunteer, Volunteer.id == PointEntry.volunteer_id)
        .join(Unit, Unit.id == Volunteer.community_id)
        .outerjoin(Case, Case.id == PointEntry.case_id)
        .where(_scope(path))
        .order_by(PointEntry.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": e.id,
            "created_at": e.created_at,
            "volunteer_id": e.volunteer_id,
            "volunteer_code": code,
            "kind": e.kind,
            "points": e.points,
            "kind_label": RULE_LABELS.get(RuleKind(e.kind), e.kind),
            "reason": e.reason,
            "tracking_no": no,
        }
        for e, code, no in rows
    ]


def volunteer_by_code(session: Session, actor: Actor, code: str) -> Volunteer | None:
    path = reader_path(actor)
    row = session.execute(
        select(Volunteer, Unit.path)
        .join(Unit, Unit.id == Volunteer.community_id)
        .where(Volunteer.code == code.strip())
    ).first()
    if row is None or not row[1].startswith(path):
        return None
    return row[0]


def streets(session: Session, path: str = "") -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.kind == "street", Unit.is_active.is_(True), _scope(path))
            .order_by(Unit.code)
        )
    )
