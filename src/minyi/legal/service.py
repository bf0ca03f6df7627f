"""Use cases of legal help: a resident lawyer writes up a consultation (for an appointment booked
through minyi.services, or a walk-in), refers it or a case to legal aid, 区司法局 decides and
assigns a lawyer; and 访前法律工作室: advice given on a walk-in or letter case before it is
accepted, with the citizen's choice. Each step on a case is written on the case's event log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import get_visible_case
from minyi.cases.rules import CaseStatus
from minyi.cases.service import record_case_event
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.intake.models import Channel
from minyi.intake.rules import normalise_phone
from minyi.legal.models import LegalAidReferral, LegalConsultation, PrePetitionAdvice
from minyi.legal.rules import (
    ADVICE_MAX,
    AID_LABELS,
    AREA_LABELS,
    CHOICE_LABELS,
    INCOME_MAX,
    LEGAL_ROUTES,
    PRE_PETITION_CHANNELS,
    QUESTION_MAX,
    REASON_MAX,
    ROUTE_LABELS,
    AidStatus,
    Choice,
    Hardship,
    LawArea,
    LegalRoute,
    clean_documents,
    may_advise,
    may_decide_aid,
)
from minyi.org.models import Staff
from minyi.org.rules import Actor
from minyi.services.models import Appointment
from minyi.services.queries import get_appointment, serves_as
from minyi.services.rules import AppointmentStatus, Service, StaffKind

E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E], value: str | None, field: str, label: str) -> E:
    try:
        return kind(value or "")
    except ValueError:
        raise Invalid("invalid_" + field, f"{label}不正确", field=field) from None


def _text(value: str | None, field: str, label: str, limit: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Invalid("missing_" + field, f"请填写{label}", field=field)
    if len(text) > limit:
        raise Invalid("too_long_" + field, f"{label}不能超过{limit}字", field=field)
    return text


def _phone(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return normalise_phone(value)
    except ValueError as e:
        raise Invalid("invalid_phone", str(e), field="phone") from None


def _event(
    session: Session,
    case_id: int | None,
    actor: Actor,
    action: str,
    now: datetime,
    *,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """A step on the case's event log. The payload names codes and labels only: the personal
    text stays on the legal record, behind its own rule."""
    if case_id is None:
        return
    case = session.get(Case, case_id)
    if case is None:
        return
    record_case_event(
        session,
        case,
        action=action,
        actor_label=actor.name,
        actor_id=actor.staff_id,
        now=now,
        reason=reason,
        payload=payload,
    )


# --- consultations ------------------------------------------------------------------------------
def record_consultation(
    session: Session,
    actor: Actor,
    *,
    area: str,
    question: str,
    advice: str,
    documents: list[str] | None = None,
    needs_follow_up: bool = False,
    follow_up: str | None = None,
    appointment_id: int | None = None,
    site_id: int | None = None,
    name: str | None = None,
    phone: str | None = None,
    case_id: int | None = None,
    now: datetime,
) -> LegalConsultation:
    """Write up a consultation: for a legal appointment with this lawyer (the citizen, the site
    and the case come from it; a booked appointment is marked attended), or for a walk-in at a
    site where the actor serves as a lawyer."""
    law_area = _enum(LawArea, area, "area", "法律领域")
    asked = _text(question, "question", "咨询问题", QUESTION_MAX)
    given = _text(advice, "advice", "解答意见", ADVICE_MAX)
    try:
        titles = clean_documents(documents or [])
    except ValueError as e:
        raise Invalid("invalid_documents", str(e), field="documents") from None
    note = _text(follow_up, "follow_up", "跟进事项", 500, required=False) or None
    if needs_follow_up and not note:
        raise Invalid("missing_follow_up", "需要跟进的，请写明跟进事项", field="follow_up")
    appointment: Appointment | None = None
    if appointment_id is not None:
        appointment = get_appointment(session, appointment_id, for_update=True)
        if appointment.service != Service.LEGAL.value:
            raise Invalid("not_legal_appointment", "该预约不是法律服务预约", field="appointment")
        if appointment.staff_id != actor.staff_id:
            raise Forbidden("not_your_appointment", "只有预约的律师可以记录该次咨询")
        if appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
            raise Conflict("appointment_not_held", "该预约已取消或群众未到场，不能记录咨询")
        if session.scalar(
            select(LegalConsultation.id).where(LegalConsultation.appointment_id == appointment.id)
        ):
            raise Conflict("already_recorded", "该预约的咨询已记录")
        site_id = appointment.site_id
        person: str = appointment.name
        number: str | None = appointment.phone
        if appointment.status == AppointmentStatus.BOOKED:
            appointment.status = AppointmentStatus.ATTENDED.value
            appointment.came_at = now
        consulted_at = min(appointment.starts_at, now)
        case_id = appointment.case_id or case_id
    else:
        if site_id is None:
            raise Invalid("missing_site", "请选择服务站点", field="site")
        person = _text(name, "name", "咨询人姓名", 60)
        number = _phone(phone)
        consulted_at = now
    if actor.staff_id is None or not serves_as(session, actor.staff_id, StaffKind.LAWYER, site_id):
        raise Forbidden("not_lawyer", "只有该站点的驻点律师可以记录法律咨询")
    if case_id is not None and (appointment is None or appointment.case_id != case_id):
        case_id = get_visible_case(session, case_id, actor).id
    row = LegalConsultation(
        appointment_id=appointment.id if appointment else None,
        case_id=case_id,
        site_id=site_id,
        lawyer_id=actor.staff_id,
        name=person,
        phone=number,
        area=law_area.value,
        question=asked,
        advice=given,
        documents=titles,
        needs_follow_up=needs_follow_up,
        follow_up=note,
        consulted_at=consulted_at,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    _event(
        session,
        case_id,
        actor,
        "legal_consulted",
        now,
        payload={
            "consultation_id": row.id,
            "area": law_area.value,
            "area_label": AREA_LABELS[law_area],
            "documents": len(titles),
            "follow_up": needs_follow_up,
        },
    )
    return row


def get_consultation(
    session: Session, consultation_id: int, *, for_update: bool = False
) -> LegalConsultation:
    stmt = select(LegalConsultation).where(LegalConsultation.id == consultation_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound("consultation_not_found", "没有找到该法律咨询记录")
    return row


def get_referral(
    session: Session, referral_id: int, *, for_update: bool = False
) -> LegalAidReferral:
    stmt = select(LegalAidReferral).where(LegalAidReferral.id == referral_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise NotFound("referral_not_found", "没有找到该法律援助申请")
    return row


# --- legal aid ------------------------------------------------------------------------------------
def _income(value: Decimal | float | str | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid("invalid_income", "月收入须为金额（元）", field="monthly_income") from None
    if not amount.is_finite() or amount < 0 or amount > INCOME_MAX:
        raise Invalid("invalid_income", "月收入须为0及以上的金额（元）", field="monthly_income")
    return amount.quantize(Decimal("0.01"))


def refer_to_aid(
    session: Session,
    actor: Actor,
    *,
    hardship: str,
    situation: str,
    monthly_income: Decimal | float | str | None = None,
    household_size: int | None = None,
    consultation_id: int | None = None,
    case_id: int | None = None,
    now: datetime,
) -> LegalAidReferral:
    """Refer a consultation (by its lawyer) or a case (by staff who see it) to 区司法局 for legal
    aid, with the applicant's situation. One open or granted referral per consultation or case."""
    kind = _enum(Hardship, hardship, "hardship", "困难情形")
    text = _text(situation, "situation", "申请人情况", QUESTION_MAX)
    income = _income(monthly_income)
    if household_size is not None and not 1 <= household_size <= 30:
        raise Invalid("invalid_household", "家庭人口须在1至30人之间", field="household_size")
    if (consultation_id is None) == (case_id is None):
        raise Invalid("missing_source", "请指明来自哪次法律咨询或哪件诉求", field="consultation")
    if consultation_id is not None:
        consultation = get_consultation(session, consultation_id, for_update=True)
        if consultation.lawyer_id != actor.staff_id:
            raise Forbidden("not_your_consultation", "只有解答该咨询的律师可以转介法律援助")
        name, phone, area = consultation.name, consultation.phone, consultation.area
        case_id = consultation.case_id
        same = LegalAidReferral.consultation_id == consultation.id
    else:
        assert case_id is not None
        case = get_visible_case(session, case_id, actor, for_update=True)
        appeal_name, appeal_phone = _citizen(session, case)
        name, phone, area = appeal_name or "匿名", appeal_phone, LawArea.OTHER.value
        same = LegalAidReferral.case_id == case.id
    if session.scalar(
        select(LegalAidReferral.id).where(
            same, LegalAidReferral.status.in_((AidStatus.PENDING, AidStatus.GRANTED))
        )
    ):
        raise Conflict("already_referred", "已转介法律援助，正在审查或已准予")
    row = LegalAidReferral(
        consultation_id=consultation_id,
        case_id=case_id,
        name=name,
        phone=phone,
        area=area,
        monthly_income=income,
        household_size=household_size,
        hardship=kind.value,
        situation=text,
        status=AidStatus.PENDING.value,
        referred_by_id=actor.staff_id,
        referred_at=now,
    )
    session.add(row)
    session.flush()
    _event(
        session,
        case_id,
        actor,
        "legal_aid_referred",
        now,
        payload={"referral_id": row.id, "hardship": kind.value},
    )
    return row


def _citizen(session: Session, case: Case) -> tuple[str | None, str | None]:
    from_appeal = session.execute(
        select(Appeal.citizen_name, Appeal.phone).where(Appeal.id == case.appeal_id)
    ).first()
    return (from_appeal[0], from_appeal[1]) if from_appeal else (None, None)


def _lawyer(session: Session, username: str | None) -> Staff | None:
    if not username or not username.strip():
        return None
    person = session.scalar(
        select(Staff).where(Staff.username == username.strip(), Staff.is_active.is_(True))
    )
    if person is None or not serves_as(session, person.id, StaffKind.LAWYER):
        raise Invalid("invalid_lawyer", "指派的律师须是在职的驻点律师", field="lawyer")
    return person


def decide_aid(
    session: Session,
    actor: Actor,
    referral_id: int,
    *,
    grant: bool,
    reason: str | None,
    lawyer: str | None = None,
    now: datetime,
) -> LegalAidReferral:
    """准予 or 不予法律援助, by 区司法局's staff or the administrator: a refusal says why; a grant
    may assign the lawyer at once."""
    if not may_decide_aid(actor, actor.unit_code):
        raise Forbidden("not_aid_decider", "只有区司法局工作人员可以审查法律援助申请")
    why = _text(reason, "reason", "不予援助的理由", REASON_MAX, required=not grant) or None
    assigned = _lawyer(session, lawyer) if grant else None
    row = get_referral(session, referral_id, for_update=True)
    if row.status != AidStatus.PENDING:
        raise Conflict("already_decided", "该申请已作出决定")
    status = AidStatus.GRANTED if grant else AidStatus.REFUSED
    row.status = status.value
    row.decided_by_id = actor.staff_id
    row.decided_at = now
    row.reason = why
    if assigned is not None:
        row.lawyer_id = assigned.id
    session.flush()
    _event(
        session,
        row.case_id,
        actor,
        "legal_aid_" + status.value,
        now,
        reason=why,
        payload={
            "referral_id": row.id,
            "decision": AID_LABELS[status],
            **({"lawyer": assigned.name} if assigned else {}),
        },
    )
    return row


def assign_aid_lawyer(
    session: Session, actor: Actor, referral_id: int, *, lawyer: str, now: datetime
) -> LegalAidReferral:
    if not may_decide_aid(actor, actor.unit_code):
        raise Forbidden("not_aid_decider", "只有区司法局工作人员可以指派援助律师")
    assigned = _lawyer(session, lawyer)
    if assigned is None:
        raise Invalid("missing_lawyer", "请选择援助律师", field="lawyer")
    row = get_referral(session, referral_id, for_update=True)
    if row.status != AidStatus.GRANTED:
        raise Conflict("not_granted", "准予援助后才能指派律师")
    row.lawyer_id = assigned.id
    session.flush()
    _event(
        session,
        row.case_id,
        actor,
        "legal_aid_lawyer_assigned",
        now,
        payload={"referral_id": row.id, "lawyer": assigned.name},
    )
    return row


# --- 访前法律工作室 -------------------------------------------------------------------------------
def _advisable_case(session: Session, actor: Actor, case_id: int, *, is_lawyer: bool) -> Case:
    if not may_advise(actor, is_lawyer=is_lawyer):
        raise Forbidden("not_adviser", "只有受理员和驻点律师可以记录访前法律意见")
    if is_lawyer:
        # A lawyer sits at the petition window (访前法律工作室) before any unit holds the case:
        # they advise on registered walk-ins and letters, which their scope does not reach yet.
        case = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
        if case is None:
            raise NotFound("case_not_found", f"no case {case_id}")
        if case.status != CaseStatus.REGISTERED:
            raise NotFound("case_not_found", f"no case {case_id}")
    else:
        case = get_visible_case(session, case_id, actor, for_update=True)
    return case


def is_pre_petition(session: Session, case: Case) -> bool:
    kind = session.scalar(select(Channel.kind).where(Channel.id == case.channel_id))
    return kind in PRE_PETITION_CHANNELS and case.status == CaseStatus.REGISTERED


def give_pre_petition_advice(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    route: str,
    advice: str,
    choice: str | None = None,
    now: datetime,
) -> PrePetitionAdvice:
    """Record the legal advice given on a walk-in or letter case before it is accepted: which
    route the matter belongs to and the advice; with the citizen's choice if already made."""
    where = _enum(LegalRoute, route, "route", "事项性质")
    text = _text(advice, "advice", "法律意见", ADVICE_MAX)
    is_lawyer = actor.staff_id is not None and serves_as(session, actor.staff_id, StaffKind.LAWYER)
    case = _advisable_case(session, actor, case_id, is_lawyer=is_lawyer)
    if not is_pre_petition(session, case):
        raise Conflict("not_pre_petition", "访前法律意见只能在来访、来信登记后、受理前记录")
    row = PrePetitionAdvice(
        case_id=case.id,
        route=where.value,
        advice=text,
        choice=Choice.UNDECIDED.value,
        advised_by_id=actor.staff_id,
        advised_at=now,
    )
    session.add(row)
    session.flush()
    _event(
        session,
        case.id,
        actor,
        "legal_advice_given",
        now,
        payload={"advice_id": row.id, "route": where.value, "route_label": ROUTE_LABELS[where]},
    )
    if choice and choice != Choice.UNDECIDED:
        record_choice(session, actor, row.id, choice=choice, now=now)
    return row


def record_choice(
    session: Session, actor: Actor, advice_id: int, *, choice: str, now: datetime
) -> PrePetitionAdvice:
    """The citizen's choice after the advice (诉访分离): take the legal route the advice names,
    or keep to the petition. Recorded once, on the case's event log."""
    chosen = _enum(Choice, choice, "choice", "群众选择")
    if chosen is Choice.UNDECIDED:
        raise Invalid("invalid_choice", "请选择群众的决定", field="choice")
    row = session.scalar(
        select(PrePetitionAdvice).where(PrePetitionAdvice.id == advice_id).with_for_update()
    )
    if row is None:
        raise NotFound("advice_not_found", "没有找到该访前法律意见")
    is_lawyer = actor.staff_id is not None and serves_as(session, actor.staff_id, StaffKind.LAWYER)
    if not may_advise(actor, is_lawyer=is_lawyer):
        raise Forbidden("not_adviser", "只有受理员和驻点律师可以记录群众的选择")
    if not is_lawyer:
        get_visible_case(session, row.case_id, actor)
    if row.choice != Choice.UNDECIDED:
        raise Conflict("already_chosen", "群众的选择已记录")
    if chosen is Choice.LEGAL_ROUTE and LegalRoute(row.route) not in LEGAL_ROUTES:
        raise Invalid(
            "no_legal_route", "该意见认为属信访事项，没有可引导的法律途径", field="choice"
        )
    row.choice = chosen.value
    row.chosen_at = now
    session.flush()
    _event(
        session,
        row.case_id,
        actor,
        "legal_route_chosen",
        now,
        payload={
            "advice_id": row.id,
            "choice": chosen.value,
            "choice_label": CHOICE_LABELS[chosen],
            "route": row.route,
        },
    )
    return row
