"""Reads of legal help, every personal field through privacy.rules.legal_view: consultations and
referrals a reader may list, one of each, a lawyer's desk (today's appointments at their sites,
consultations to write up, referrals pending), a case's pre-petition advice, and the figures."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.core.errors import Forbidden
from minyi.core.listing import Listing, list_page
from minyi.core.paging import desc
from minyi.legal.models import LegalAidReferral, LegalConsultation, PrePetitionAdvice
from minyi.legal.rules import (
    AID_LABELS,
    AID_UNIT,
    AREA_LABELS,
    CHOICE_LABELS,
    HARDSHIP_LABELS,
    LEGAL_ROUTES,
    ROUTE_LABELS,
    AidStatus,
    Choice,
    Hardship,
    LawArea,
    LegalRoute,
    average,
    days_to_decide,
    may_decide_aid,
)
from minyi.legal.service import get_consultation, get_referral
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import LegalView, legal_view
from minyi.services.models import Appointment, ServiceSite, SiteStaff
from minyi.services.rules import APPOINTMENT_LABELS, AppointmentStatus, Service, StaffKind

# Who lists every consultation and referral (their text still through the policy).
OVERSEERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(wanted))).all())


def _site_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(ServiceSite.id, Unit.name)
            .join(Unit, Unit.id == ServiceSite.unit_id)
            .where(ServiceSite.id.in_(ids))
        ).all()
    )


def _tracking(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(Case.id, Case.tracking_no).where(Case.id.in_(wanted))).all())


def _referred(session: Session, consultation_ids: list[int]) -> dict[int, LegalAidReferral]:
    """The latest referral of each consultation."""
    if not consultation_ids:
        return {}
    out: dict[int, LegalAidReferral] = {}
    for r in session.scalars(
        select(LegalAidReferral)
        .where(LegalAidReferral.consultation_id.in_(consultation_ids))
        .order_by(LegalAidReferral.id)
    ):
        if r.consultation_id is not None:
            out[r.consultation_id] = r
    return out


def consultation_view(
    actor: Actor, c: LegalConsultation, referral: LegalAidReferral | None
) -> LegalView:
    authors = {c.lawyer_id}
    if referral is not None and referral.lawyer_id is not None:
        authors.add(referral.lawyer_id)
    return legal_view(actor, author_ids=authors, aid_unit=AID_UNIT if referral else None)


def referral_view(actor: Actor, r: LegalAidReferral, lawyer_id: int | None) -> LegalView:
    authors = {r.referred_by_id, *(i for i in (r.lawyer_id, lawyer_id) if i is not None)}
    return legal_view(actor, author_ids=authors, aid_unit=AID_UNIT)


def describe_consultations(
    session: Session, actor: Actor, rows: list[LegalConsultation]
) -> list[dict[str, Any]]:
    referred = _referred(session, [c.id for c in rows])
    names = _names(session, {c.lawyer_id for c in rows})
    sites = _site_names(session, {c.site_id for c in rows})
    cases = _tracking(session, {c.case_id for c in rows})
    out = []
    for c in rows:
        ref = referred.get(c.id)
        view = consultation_view(actor, c, ref)
        out.append(
            {
                "id": c.id,
                "appointment_id": c.appointment_id,
                "case_id": c.case_id,
                "tracking_no": cases.get(c.case_id) if c.case_id else None,
                "site_id": c.site_id,
                "site": sites.get(c.site_id, ""),
                "lawyer_id": c.lawyer_id,
                "lawyer": names.get(c.lawyer_id, ""),
                "name": view.name(c.name),
                "phone": view.phone(c.phone),
                "area": c.area,
                "area_label": AREA_LABELS[LawArea(c.area)],
                "question": view.text(c.question),
                "advice": view.text(c.advice),
                "documents": list(c.documents) if view.clear else [],
                "documents_count": len(c.documents),
                "needs_follow_up": c.needs_follow_up,
                "follow_up": view.text(c.follow_up) if c.follow_up else None,
                "consulted_at": c.consulted_at,
                "recorded_at": c.recorded_at,
                "referral_id": ref.id if ref else None,
                "referral_status": ref.status if ref else None,
                "readable": view.clear,
            }
        )
    return out


def _is_aid_staff(actor: Actor) -> bool:
    return actor.role is not Role.ADMIN and may_decide_aid(actor, actor.unit_code)


def list_consultations(
    session: Session,
    actor: Actor,
    *,
    page: int = 1,
    page_size: int = 100,
    cursor: str | None = None,
) -> Listing[LegalConsultation]:
    """A lawyer lists their own; supervisors and the administrator all; 区司法局 those referred
    for legal aid. Others read only the figures."""
    stmt = select(LegalConsultation)
    if actor.role in OVERSEERS:
        pass
    elif _is_aid_staff(actor):
        stmt = stmt.where(
            select(LegalAidReferral.id)
            .where(LegalAidReferral.consultation_id == LegalConsultation.id)
            .exists()
        )
    elif actor.staff_id is not None:
        stmt = stmt.where(LegalConsultation.lawyer_id == actor.staff_id)
    order = [desc(LegalConsultation.consulted_at), desc(LegalConsultation.id)]
    return list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)


def visible_consultation(session: Session, actor: Actor, consultation_id: int) -> LegalConsultation:
    """One consultation, for those who may list it (a stranger's id is refused as not found)."""
    c = get_consultation(session, consultation_id)
    allowed = actor.role in OVERSEERS or actor.staff_id == c.lawyer_id
    if not allowed:
        ref = _referred(session, [c.id]).get(c.id)
        allowed = ref is not None and (_is_aid_staff(actor) or actor.staff_id == ref.lawyer_id)
    if not allowed:
        raise Forbidden("not_consultation_reader", "只有承办律师、区司法局和督查人员可以查看")
    return c


def describe_referrals(
    session: Session, actor: Actor, rows: list[LegalAidReferral]
) -> list[dict[str, Any]]:
    consult_lawyer = dict(
        session.execute(
            select(LegalConsultation.id, LegalConsultation.lawyer_id).where(
                LegalConsultation.id.in_({r.consultation_id for r in rows if r.consultation_id})
            )
        ).all()
    )
    names = _names(
        session,
        {r.referred_by_id for r in rows}
        | {r.decided_by_id for r in rows}
        | {r.lawyer_id for r in rows},
    )
    cases = _tracking(session, {r.case_id for r in rows})
    out = []
    for r in rows:
        lawyer = consult_lawyer.get(r.consultation_id) if r.consultation_id else None
        view = referral_view(actor, r, lawyer)
        out.append(
            {
                "id": r.id,
                "consultation_id": r.consultation_id,
                "case_id": r.case_id,
                "tracking_no": cases.get(r.case_id) if r.case_id else None,
                "name": view.name(r.name),
                "phone": view.phone(r.phone),
                "area": r.area,
                "area_label": AREA_LABELS[LawArea(r.area)],
                "monthly_income": str(r.monthly_income)
                if view.clear and r.monthly_income is not None
                else None,
                "household_size": r.household_size if view.clear else None,
                "hardship": r.hardship,
                "hardship_label": HARDSHIP_LABELS[Hardship(r.hardship)],
                "situation": view.text(r.situation),
                "status": r.status,
                "status_label": AID_LABELS[AidStatus(r.status)],
                "referred_by": names.get(r.referred_by_id, ""),
                "referred_at": r.referred_at,
                "decided_by": names.get(r.decided_by_id, "") if r.decided_by_id else None,
                "decided_at": r.decided_at,
                "reason": r.reason
                if view.clear
                else (None if r.reason is None else view.text(r.reason)),
                "lawyer_id": r.lawyer_id,
                "lawyer": names.get(r.lawyer_id, "") if r.lawyer_id else None,
                "readable": view.clear,
            }
        )
    return out


def list_referrals(
    session: Session,
    actor: Actor,
    *,
    status: AidStatus | None = None,
    page: int = 1,
    page_size: int = 100,
    cursor: str | None = None,
) -> Listing[LegalAidReferral]:
    """区司法局, supervisors and the administrator list every referral; a lawyer those they
    referred or were assigned; others none."""
    stmt = select(LegalAidReferral)
    if actor.role in OVERSEERS or _is_aid_staff(actor):
        pass
    elif actor.staff_id is not None:
        stmt = stmt.where(
            (LegalAidReferral.referred_by_id == actor.staff_id)
            | (LegalAidReferral.lawyer_id == actor.staff_id)
        )
    else:
        stmt = stmt.where(LegalAidReferral.id.is_(None))
    if status is not None:
        stmt = stmt.where(LegalAidReferral.status == status.value)
    order = [desc(LegalAidReferral.referred_at), desc(LegalAidReferral.id)]
    return list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)


def visible_referral(session: Session, actor: Actor, referral_id: int) -> LegalAidReferral:
    r = get_referral(session, referral_id)
    if actor.role in OVERSEERS or _is_aid_staff(actor):
        return r
    lawyer = None
    if r.consultation_id is not None:
        lawyer = session.scalar(
            select(LegalConsultation.lawyer_id).where(LegalConsultation.id == r.consultation_id)
        )
    if actor.staff_id is not None and actor.staff_id in {r.referred_by_id, r.lawyer_id, lawyer}:
        return r
    raise Forbidden("not_referral_reader", "只有承办律师、区司法局和督查人员可以查看")


# --- a lawyer's desk ------------------------------------------------------------------------------
def lawyer_sites(session: Session, staff_id: int) -> list[int]:
    return list(
        session.scalars(
            select(SiteStaff.site_id).where(
                SiteStaff.staff_id == staff_id,
                SiteStaff.kind == StaffKind.LAWYER.value,
                SiteStaff.is_active.is_(True),
            )
        )
    )


def _appointment_rows(
    session: Session, actor: Actor, rows: list[Appointment]
) -> list[dict[str, Any]]:
    written = set(
        session.scalars(
            select(LegalConsultation.appointment_id).where(
                LegalConsultation.appointment_id.in_([a.id for a in rows])
            )
        )
    )
    names = _names(session, {a.staff_id for a in rows})
    sites = _site_names(session, {a.site_id for a in rows})
    cases = _tracking(session, {a.case_id for a in rows})
    out = []
    for a in rows:
        view = legal_view(actor, author_ids={a.staff_id} if a.staff_id else set(), aid_unit=None)
        out.append(
            {
                "id": a.id,
                "ref": a.ref,
                "site": sites.get(a.site_id, ""),
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "status": a.status,
                "status_label": APPOINTMENT_LABELS[AppointmentStatus(a.status)],
                "lawyer_id": a.staff_id,
                "lawyer": names.get(a.staff_id, "") if a.staff_id else "",
                "name": view.name(a.name),
                "phone": view.phone(a.phone),
                "topic": view.text(a.topic),
                "tracking_no": cases.get(a.case_id) if a.case_id else None,
                "written_up": a.id in written,
                "mine": a.staff_id == actor.staff_id,
            }
        )
    return out


def desk(session: Session, actor: Actor, *, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """A lawyer's page: today's legal appointments at their sites, their consultations still to
    write up (held or past, no record yet), and the referrals pending (theirs; for 区司法局
    every one waiting for a decision)."""
    out: dict[str, Any] = {"today": [], "to_write": [], "pending": [], "is_lawyer": False}
    if actor.staff_id is not None:
        sites = lawyer_sites(session, actor.staff_id)
        out["is_lawyer"] = bool(sites)
        if sites:
            day = now.astimezone(tz).date()
            start = datetime.combine(day, time(0), tzinfo=tz)
            today = session.scalars(
                select(Appointment)
                .where(
                    Appointment.site_id.in_(sites),
                    Appointment.service == Service.LEGAL.value,
                    Appointment.starts_at >= start,
                    Appointment.starts_at < start + timedelta(days=1),
                )
                .order_by(Appointment.starts_at, Appointment.id)
            )
            out["today"] = _appointment_rows(session, actor, list(today))
            pending_write = session.scalars(
                select(Appointment)
                .where(
                    Appointment.staff_id == actor.staff_id,
                    Appointment.service == Service.LEGAL.value,
                    Appointment.status.in_(
                        (AppointmentStatus.BOOKED.value, AppointmentStatus.ATTENDED.value)
                    ),
                    (Appointment.status == AppointmentStatus.ATTENDED.value)
                    | (Appointment.starts_at <= now),
                    ~select(LegalConsultation.id)
                    .where(LegalConsultation.appointment_id == Appointment.id)
                    .exists(),
                )
                .order_by(Appointment.starts_at, Appointment.id)
                .limit(100)
            )
            out["to_write"] = _appointment_rows(session, actor, list(pending_write))
    # The desk's first hundred waiting; the full list pages by cursor (API, CLI).
    pending = list_referrals(session, actor, status=AidStatus.PENDING, page_size=100).rows
    out["pending"] = describe_referrals(session, actor, pending)
    out["may_decide"] = may_decide_aid(actor, actor.unit_code)
    return out


def aid_lawyers(session: Session) -> list[tuple[str, str]]:
    """The resident lawyers one may assign to a legal-aid case: (username, name and site)."""
    rows = session.execute(
        select(Staff.username, Staff.name, Unit.name)
        .join(SiteStaff, SiteStaff.staff_id == Staff.id)
        .join(ServiceSite, ServiceSite.id == SiteStaff.site_id)
        .join(Unit, Unit.id == ServiceSite.unit_id)
        .where(
            SiteStaff.kind == StaffKind.LAWYER.value,
            SiteStaff.is_active.is_(True),
            Staff.is_active.is_(True),
        )
        .order_by(Unit.path, Staff.name)
    ).all()
    out: dict[str, str] = {}
    for username, name, site in rows:
        out.setdefault(username, f"{name}（{site}）")
    return list(out.items())


# --- 访前法律工作室 on a case ---------------------------------------------------------------------
def case_advices(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The pre-petition advice given on a case (staff-written; its outlets pass the text through
    the case's own view)."""
    rows = list(
        session.scalars(
            select(PrePetitionAdvice)
            .where(PrePetitionAdvice.case_id == case_id)
            .order_by(PrePetitionAdvice.advised_at, PrePetitionAdvice.id)
        )
    )
    names = _names(session, {r.advised_by_id for r in rows})
    return [
        {
            "id": r.id,
            "case_id": r.case_id,
            "route": r.route,
            "route_label": ROUTE_LABELS[LegalRoute(r.route)],
            "is_legal_route": LegalRoute(r.route) in LEGAL_ROUTES,
            "advice": r.advice,
            "choice": r.choice,
            "choice_label": CHOICE_LABELS[Choice(r.choice)],
            "advised_by": names.get(r.advised_by_id, ""),
            "advised_at": r.advised_at,
            "chosen_at": r.chosen_at,
        }
        for r in rows
    ]


# --- figures --------------------------------------------------------------------------------------
def service_figures(session: Session, *, since: datetime, until: datetime) -> dict[str, Any]:
    """法律服务 over [since, until): consultations (and by area of law), legal-aid referrals,
    granted, refused, average days to decide, pre-petition advices and how many chose the legal
    route. Counts only: no person, no text."""
    by_area: Counter[str] = Counter(
        dict(
            session.execute(
                select(LegalConsultation.area, func.count())
                .where(
                    LegalConsultation.consulted_at >= since,
                    LegalConsultation.consulted_at < until,
                )
                .group_by(LegalConsultation.area)
            ).all()
        )
    )
    referred = session.scalar(
        select(func.count()).where(
            LegalAidReferral.referred_at >= since, LegalAidReferral.referred_at < until
        )
    )
    decided = session.execute(
        select(
            LegalAidReferral.status, LegalAidReferral.referred_at, LegalAidReferral.decided_at
        ).where(
            LegalAidReferral.decided_at.is_not(None),
            LegalAidReferral.decided_at >= since,
            LegalAidReferral.decided_at < until,
        )
    ).all()
    advices = session.execute(
        select(PrePetitionAdvice.choice, func.count())
        .where(PrePetitionAdvice.advised_at >= since, PrePetitionAdvice.advised_at < until)
        .group_by(PrePetitionAdvice.choice)
    ).all()
    choices = Counter(dict(advices))
    return {
        "法律咨询": sum(by_area.values()),
        "按法律领域": {AREA_LABELS[a]: by_area.get(a.value, 0) for a in LawArea},
        "法律援助转介": referred or 0,
        "准予援助": sum(1 for s, *_ in decided if s == AidStatus.GRANTED),
        "不予援助": sum(1 for s, *_ in decided if s == AidStatus.REFUSED),
        "平均审查天数": average(
            [days_to_decide(r, d) for _s, r, d in decided if r is not None and d is not None]
        ),
        "访前法律意见": sum(choices.values()),
        "引导走法律途径": choices.get(Choice.LEGAL_ROUTE.value, 0),
    }
