"""Read side of relief: one application, the lists a reviewer works from, the earlier payments
to the same person, an application as its reader may see it (through the privacy policy), and
the service's figures over a period."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.core.errors import NotFound
from minyi.grassroots.models import Household
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import RELIEF_OVERSEERS, relief_view
from minyi.relief.models import ReliefApplication, ReliefFollowUp, ReliefPayment, ReliefReview
from minyi.relief.rules import (
    DUPLICATE_WINDOW,
    KIND_LABELS,
    METHOD_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    HardshipKind,
    PayMethod,
    ReliefStatus,
    Stage,
    Step,
    is_department,
    may_follow_up,
    may_resubmit,
    may_review,
    next_status,
    stage_of,
    stages_reached,
)

APPROVED_STATUSES = (ReliefStatus.APPROVED, ReliefStatus.PAID, ReliefStatus.FOLLOWED_UP)


def get_application(session: Session, application_id: int) -> ReliefApplication:
    application = session.get(ReliefApplication, application_id)
    if application is None:
        raise NotFound("application_not_found", "没有找到该救助申请")
    return application


def _scope(actor: Actor) -> Select[ReliefApplication] | None:
    """The applications a reader may open: the bureau and the overseers all, the community's
    and the street's staff their area's; nobody else."""
    stmt = select(ReliefApplication)
    if is_department(actor) or actor.role in RELIEF_OVERSEERS:
        return stmt
    if actor.role in (Role.COMMUNITY_STAFF, Role.STREET_STAFF) and actor.unit_path:
        return stmt.join(Unit, Unit.id == ReliefApplication.community_id).where(
            Unit.path.startswith(actor.unit_path)
        )
    return None


def may_read_relief(actor: Actor) -> bool:
    return _scope(actor) is not None


def visible_application(session: Session, actor: Actor, application_id: int) -> ReliefApplication:
    stmt = _scope(actor)
    found = (
        session.scalar(stmt.where(ReliefApplication.id == application_id))
        if stmt is not None
        else None
    )
    if found is None:
        raise NotFound("application_not_found", "没有找到该救助申请")
    return found


def list_applications(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    mine: bool = False,
    limit: int = 200,
) -> tuple[int, list[ReliefApplication]]:
    """`mine`: only those waiting for the reader's own step (their review, the payment, the
    follow-up)."""
    stmt = _scope(actor)
    if stmt is None:
        return 0, []
    if status:
        if status not in ReliefStatus.__members__.values():
            return 0, []
        stmt = stmt.where(ReliefApplication.status == status)
    rows = list(
        session.scalars(
            stmt.order_by(ReliefApplication.created_at.desc(), ReliefApplication.id.desc())
        )
    )
    if mine:
        paths = _paths(session, rows)
        rows = [r for r in rows if _steps_for(actor, r, paths[r.community_id])]
    return len(rows), rows[:limit]


def _paths(session: Session, rows: list[ReliefApplication]) -> dict[int, str]:
    ids = {r.community_id for r in rows}
    if not ids:
        return {}
    return {
        unit_id: path
        for unit_id, path in session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(ids)))
    }


def _steps_for(actor: Actor, application: ReliefApplication, community_path: str) -> list[str]:
    """The steps the reader may take on the application now (the page shows these forms)."""
    status = ReliefStatus(application.status)
    stage = stage_of(status)
    if stage is not None:
        if may_review(actor, stage, community_path=community_path):
            return [Step.APPROVE.value, Step.RETURN.value, Step.REFUSE.value]
        return []
    if status is ReliefStatus.RETURNED:
        return [Step.RESUBMIT.value] if may_resubmit(actor, community_path=community_path) else []
    if status is ReliefStatus.APPROVED and is_department(actor):
        return [Step.PAY.value]
    if (
        status is ReliefStatus.PAID
        and next_status(status, Step.FOLLOW_UP)
        and may_follow_up(actor, community_path=community_path)
    ):
        return [Step.FOLLOW_UP.value]
    return []


def earlier_payments(
    session: Session, application: ReliefApplication, *, on: date
) -> list[ReliefPayment]:
    """Payments to the same person (id number, else name and phone) for the same kind within
    the window before `on`, other than this application's own. An applicant known by the id
    number is also matched by name and phone on payments recorded without one."""
    keys = {application.person_key, f"{application.name}|{application.phone}"}
    return list(
        session.scalars(
            select(ReliefPayment)
            .where(
                ReliefPayment.person_key.in_(keys),
                ReliefPayment.kind == application.kind,
                ReliefPayment.application_id != application.id,
                ReliefPayment.paid_on >= on - DUPLICATE_WINDOW,
            )
            .order_by(ReliefPayment.paid_on.desc())
        )
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _is_reviewer(actor: Actor, application: ReliefApplication, community_path: str) -> bool:
    returned = Stage(application.returned_from) if application.returned_from else None
    reached = stages_reached(ReliefStatus(application.status), returned)
    return any(may_review(actor, s, community_path=community_path) for s in reached)


def describe(
    session: Session, actor: Actor, rows: list[ReliefApplication], *, full: bool = False
) -> list[dict[str, Any]]:
    """Applications as the reader may see them: personal fields through privacy.relief_view."""
    paths = _paths(session, rows)
    names = {
        u.id: u.name
        for u in session.scalars(select(Unit).where(Unit.id.in_({r.community_id for r in rows})))
    }
    tracking = {
        cid: no
        for cid, no in session.execute(
            select(Case.id, Case.tracking_no).where(
                Case.id.in_({r.case_id for r in rows if r.case_id})
            )
        )
    }
    out = []
    for r in rows:
        path = paths.get(r.community_id, "")
        view = relief_view(
            actor,
            is_reviewer=_is_reviewer(actor, r, path),
            is_department=is_department(actor),
        )
        household = None
        if r.household_id is not None:
            household = session.scalar(select(Household.code).where(Household.id == r.household_id))
        item: dict[str, Any] = {
            "id": r.id,
            "ref": r.ref,
            "case_id": r.case_id,
            "tracking_no": tracking.get(r.case_id) if r.case_id else None,
            "kind": r.kind,
            "kind_label": KIND_LABELS[HardshipKind(r.kind)],
            "status": r.status,
            "status_label": STATUS_LABELS[ReliefStatus(r.status)]
            + (
                f"（{STAGE_LABELS[Stage(r.returned_from)]}）"
                if r.status == ReliefStatus.RETURNED and r.returned_from
                else ""
            ),
            "name": view.name(r.name),
            "phone": view.phone(r.phone),
            "id_number": view.id_number(r.id_number),
            "address": view.address(r.address),
            "community": names.get(r.community_id, ""),
            "household": view.figure(household),
            "members": r.members if view.figure("x") == "x" else None,
            "income": view.figure(_money(r.income)),
            "requested_amount": _money(r.requested_amount),
            "request": view.text(r.request, name=r.name),
            "documents": list(r.documents or []),
            "approved_amount": _money(r.approved_amount),
            "created_at": r.created_at,
            "decided_at": r.decided_at,
            "duplicates": _duplicates(session, r) if is_department(actor) else [],
            "steps": _steps_for(actor, r, path),
        }
        if full:
            item.update(_history(session, r))
        out.append(item)
    return out


def _duplicates(session: Session, application: ReliefApplication) -> list[dict[str, Any]]:
    ids = list(application.duplicate_of or [])
    if not ids:
        return []
    rows = session.execute(
        select(ReliefPayment, ReliefApplication.ref)
        .join(ReliefApplication, ReliefApplication.id == ReliefPayment.application_id)
        .where(ReliefPayment.id.in_(ids))
        .order_by(ReliefPayment.paid_on.desc())
    ).all()
    return [
        {
            "payment_id": p.id,
            "ref": ref,
            "kind_label": KIND_LABELS[HardshipKind(p.kind)],
            "amount": _money(p.amount),
            "paid_on": p.paid_on.isoformat(),
            "method_label": METHOD_LABELS[PayMethod(p.method)],
        }
        for p, ref in rows
    ]


def _staff_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        i: n for i, n in session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(wanted)))
    }


def _history(session: Session, application: ReliefApplication) -> dict[str, Any]:
    reviews = list(
        session.scalars(
            select(ReliefReview)
            .where(ReliefReview.application_id == application.id)
            .order_by(ReliefReview.at, ReliefReview.id)
        )
    )
    payment = session.scalar(
        select(ReliefPayment).where(ReliefPayment.application_id == application.id)
    )
    visit = session.scalar(
        select(ReliefFollowUp).where(ReliefFollowUp.application_id == application.id)
    )
    who = _staff_names(
        session,
        {r.actor_id for r in reviews}
        | {payment.paid_by_id if payment else None, visit.visited_by_id if visit else None},
    )
    return {
        "reviews": [
            {
                "stage_label": STAGE_LABELS[Stage(r.stage)],
                "step_label": STEP_LABELS[Step(r.step)],
                "reason": r.reason,
                "amount": _money(r.amount),
                "by": who.get(r.actor_id or 0, ""),
                "at": r.at,
            }
            for r in reviews
        ],
        "payment": None
        if payment is None
        else {
            "amount": _money(payment.amount),
            "paid_on": payment.paid_on.isoformat(),
            "method_label": METHOD_LABELS[PayMethod(payment.method)],
            "by": who.get(payment.paid_by_id, ""),
            "repeat_reason": payment.repeat_reason,
        },
        "follow_up": None
        if visit is None
        else {
            "visited_on": visit.visited_on.isoformat(),
            "notes": visit.notes,
            "by": who.get(visit.visited_by_id, ""),
        },
    }


def application_by_ref(session: Session, ref: str) -> dict[str, Any] | None:
    """The applicant's own confirmation page: the reference, the kind, the state, the case's
    tracking number; nothing personal."""
    r = session.scalar(
        select(ReliefApplication).where(ReliefApplication.ref == ref.strip().upper()[:20])
    )
    if r is None:
        return None
    tracking_no = session.scalar(select(Case.tracking_no).where(Case.id == r.case_id))
    return {
        "ref": r.ref,
        "kind_label": KIND_LABELS[HardshipKind(r.kind)],
        "status": r.status,
        "status_label": STATUS_LABELS[ReliefStatus(r.status)],
        "tracking_no": tracking_no,
        "created_at": r.created_at,
    }


def service_figures(session: Session, *, since: datetime, until: datetime) -> dict[str, Any]:
    """帮扶救助's figures over [since, until): applications received, decided (approved,
    refused), the amounts approved and paid (yuan), the average days from application to the
    bureau's decision, and the duplicate payments flagged."""
    A = ReliefApplication
    received = session.scalar(
        select(func.count()).select_from(A).where(A.created_at >= since, A.created_at < until)
    )
    decided = session.execute(
        select(A.status, A.approved_amount, A.created_at, A.decided_at).where(
            A.decided_at.is_not(None), A.decided_at >= since, A.decided_at < until
        )
    ).all()
    approved = [d for d in decided if d[0] in APPROVED_STATUSES]
    refused = [d for d in decided if d[0] == ReliefStatus.REFUSED]
    days = [(d[3] - d[2]).total_seconds() / 86400 for d in decided if d[3] and d[2]]
    paid = session.scalar(
        select(func.coalesce(func.sum(ReliefPayment.amount), 0)).where(
            ReliefPayment.recorded_at >= since, ReliefPayment.recorded_at < until
        )
    )
    flagged = session.scalar(
        select(func.count())
        .select_from(A)
        .where(A.flagged_at.is_not(None), A.flagged_at >= since, A.flagged_at < until)
    )
    approved_sum = sum((d[1] or Decimal(0) for d in approved), Decimal(0))
    return {
        "service": "relief",
        "title": "帮扶救助",
        "figures": {
            "申请数": int(received or 0),
            "批准数": len(approved),
            "不予救助数": len(refused),
            "批准金额（元）": float(approved_sum),
            "发放金额（元）": float(Decimal(str(paid or 0))),
            "平均审批天数": round(sum(days) / len(days), 1) if days else None,
            "重复申领预警数": int(flagged or 0),
        },
    }


def pending_counts(session: Session, actor: Actor) -> dict[str, int]:
    """How many applications wait in each state, among those the reader may open."""
    stmt = _scope(actor)
    if stmt is None:
        return {}
    sub = stmt.subquery()
    return {
        status: int(n)
        for status, n in session.execute(select(sub.c.status, func.count()).group_by(sub.c.status))
    }
