"""法律服务 pages (/console/legal): a lawyer's desk (today's appointments at their sites,
consultations to write up, referrals pending) with the figures, the write-up of a consultation
for an appointment, one consultation with its legal-aid referral, one referral with 区司法局's
decision; and on the case page the 访前法律工作室 panel (advice before acceptance and the
citizen's choice)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.cases.queries import reader_view
from minyi.core.errors import Invalid, MinyiError
from minyi.core.registry import Registry
from minyi.legal.queries import (
    aid_lawyers,
    case_advices,
    describe_consultations,
    describe_referrals,
    desk,
    list_consultations,
    service_figures,
    visible_consultation,
    visible_referral,
)
from minyi.legal.rules import (
    AID_LABELS,
    AREA_LABELS,
    CHOICE_LABELS,
    HARDSHIP_LABELS,
    ROUTE_LABELS,
    AidStatus,
    Choice,
    Hardship,
    LawArea,
    LegalRoute,
    may_advise,
    may_decide_aid,
)
from minyi.legal.service import (
    decide_aid,
    give_pre_petition_advice,
    is_pre_petition,
    record_choice,
    record_consultation,
    refer_to_aid,
)
from minyi.org.rules import Actor
from minyi.services.queries import get_appointment, serves_as
from minyi.services.rules import (
    APPOINTMENT_LABELS,
    AppointmentStatus,
    Service,
    StaffKind,
)
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, staff, state_of
from minyi.web.slots import CASE_PANELS, Panel

router = APIRouter(route_class=WebRoute, include_in_schema=False)
_CJK = re.compile(r"[\u4e00-\u9fff]")
DONE = {
    "consulted": ("咨询记录已保存", "The consultation is saved"),
    "referred": (
        "已转介区司法局审查法律援助",
        "Referred to the district justice bureau for legal aid",
    ),
    "decided": ("法律援助审查决定已保存", "The decision is saved"),
}


def _done(request: Request) -> str:
    pair = DONE.get(request.query_params.get("done") or "")
    return "" if pair is None else pair[0 if Translator(pick_lang(request)).zh else 1]


def _say(exc: MinyiError) -> str:
    return exc.message if _CJK.search(exc.message) else "操作未成功，请核对填写的内容"


# The English switch's words for the domain's Chinese labels.
AREA_EN = {
    LawArea.MARRIAGE_FAMILY: "marriage and family",
    LawArea.LABOUR: "labour dispute",
    LawArea.HOUSING: "housing and property management",
    LawArea.CONTRACT_DEBT: "contract and debt",
    LawArea.TORT: "tort and compensation",
    LawArea.ADMINISTRATIVE: "administrative matter",
    LawArea.OTHER: "other",
}
HARDSHIP_EN = {
    Hardship.LOW_INCOME: "low-income household",
    Hardship.UNPAID_WAGES: "migrant worker claiming wages",
    Hardship.DISABLED: "person with a disability",
    Hardship.ELDERLY: "elderly person",
    Hardship.MINOR: "minor",
    Hardship.VETERAN: "soldier, veteran or their family",
    Hardship.VICTIM: "victim of domestic violence",
    Hardship.OTHER: "other hardship",
}
AID_EN = {AidStatus.PENDING: "pending", AidStatus.GRANTED: "granted", AidStatus.REFUSED: "refused"}
ROUTE_EN = {
    LegalRoute.COURT: "for the courts (a lawsuit)",
    LegalRoute.ARBITRATION: "for arbitration",
    LegalRoute.ADMIN_REVIEW: "for administrative review",
    LegalRoute.PETITION: "a petition matter",
}
CHOICE_EN = {
    Choice.UNDECIDED: "not yet chosen",
    Choice.LEGAL_ROUTE: "takes the legal route",
    Choice.PETITION: "keeps to the petition",
}
APPOINTMENT_EN = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ATTENDED: "came",
    AppointmentStatus.NO_SHOW: "did not come",
    AppointmentStatus.CANCELLED: "cancelled",
}
FIGURES_EN = {
    "法律咨询": "Consultations",
    "按法律领域": "By area of law",
    "法律援助转介": "Legal-aid referrals",
    "准予援助": "Granted",
    "不予援助": "Refused",
    "平均审查天数": "Average days to decide",
    "访前法律意见": "Pre-petition advice",
    "引导走法律途径": "Steered to a legal route",
    **{AREA_LABELS[a]: AREA_EN[a] for a in LawArea},
}
TABLES: dict[str, tuple[dict[Any, str], dict[Any, str]]] = {
    "area": (AREA_LABELS, AREA_EN),
    "hardship": (HARDSHIP_LABELS, HARDSHIP_EN),
    "aid": (AID_LABELS, AID_EN),
    "route": (ROUTE_LABELS, ROUTE_EN),
    "choice": (CHOICE_LABELS, CHOICE_EN),
    "appointment": (APPOINTMENT_LABELS, APPOINTMENT_EN),
}


def label_of(kind: str, code: str | None, zh: bool) -> str:
    """A code's words in the page's language (a figure's Chinese key for kind 'figure')."""
    if kind == "figure":
        return (code or "") if zh else FIGURES_EN.get(code or "", code or "")
    zh_table, en_table = TABLES[kind]
    return (zh_table if zh else en_table).get(code or "", "")


def _labels() -> dict[str, Any]:
    return {
        "areas": list(LawArea),
        "hardships": list(Hardship),
        "routes": list(LegalRoute),
        "choices": [Choice.LEGAL_ROUTE, Choice.PETITION],
        "lab": label_of,
    }


# --- the desk -------------------------------------------------------------------------------------
@router.get("/console/legal")
def desk_page(request: Request) -> Response:
    actor = staff(request)
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        mine = desk(session, actor, now=now, tz=st.tz)
        # The desk shows the latest 20; the full list pages by cursor (API, CLI).
        rows = list_consultations(session, actor, page_size=20).rows
        readable = mine["is_lawyer"] or rows
        today = now.astimezone(st.tz).date()
        since = datetime.combine(today - timedelta(days=30), time(0), st.tz)
        until = datetime.combine(today + timedelta(days=1), time(0), st.tz)
        return render(
            request,
            "console/legal/desk.html",
            d=mine,
            # today's are on the day's list with their own button
            earlier=[
                a for a in mine["to_write"] if a["id"] not in {t["id"] for t in mine["today"]}
            ],
            consultations=describe_consultations(session, actor, rows) if readable else [],
            figures=service_figures(session, since=since, until=until),
            **_labels(),
        )


# --- a consultation -------------------------------------------------------------------------------
def _consult_form(
    request: Request,
    appointment_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    actor = staff(request)
    st = state_of(request)
    with st.db.reading() as session:
        a = get_appointment(session, appointment_id)
        if a.service != Service.LEGAL.value or a.staff_id != actor.staff_id:
            raise Invalid("not_your_appointment", "只有预约的律师可以记录该次咨询")
        return render(
            request,
            "console/legal/consult.html",
            status_code=status_code,
            a=a,
            error=error,
            values=values or {"question": a.topic},
            **_labels(),
        )


@router.get("/console/legal/appointments/{appointment_id}/consult")
def consult_page(request: Request, appointment_id: int) -> Response:
    return _consult_form(request, appointment_id)


@router.post("/console/legal/appointments/{appointment_id}/consult")
def consult(request: Request, appointment_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    follow = fields.get("follow_up", "")
    try:
        with st.db.unit_of_work() as session:
            c = record_consultation(
                session,
                actor,
                appointment_id=appointment_id,
                area=fields.get("area", ""),
                question=fields.get("question", ""),
                advice=fields.get("advice", ""),
                documents=fields.get("documents", "").splitlines(),
                needs_follow_up=fields.get("needs_follow_up") == "1" or bool(follow),
                follow_up=follow,
                now=st.clock.now(),
            )
            consultation_id = c.id
    except MinyiError as exc:
        return _consult_form(
            request, appointment_id, status_code=422, error=_say(exc), values=fields
        )
    return redirect(f"/console/legal/consultations/{consultation_id}?done=consulted")


def _consultation_page(
    request: Request,
    consultation_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    actor = staff(request)
    st = state_of(request)
    with st.db.reading() as session:
        c = visible_consultation(session, actor, consultation_id)
        [d] = describe_consultations(session, actor, [c])
        referral = None
        if d["referral_id"]:
            [referral] = describe_referrals(
                session, actor, [visible_referral(session, actor, d["referral_id"])]
            )
        may_refer = actor.staff_id == c.lawyer_id and (
            referral is None or referral["status"] == AidStatus.REFUSED
        )
        return render(
            request,
            "console/legal/consultation.html",
            status_code=status_code,
            c=d,
            referral=referral,
            may_refer=may_refer,
            done=_done(request),
            error=error,
            values=values or {},
            **_labels(),
        )


@router.get("/console/legal/consultations/{consultation_id}")
def consultation_page(request: Request, consultation_id: int) -> Response:
    return _consultation_page(request, consultation_id)


def _int(text: str | None, field: str, label: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise Invalid("bad_number", f"{label}须为整数", field=field) from None


@router.post("/console/legal/consultations/{consultation_id}/refer")
def refer(request: Request, consultation_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            r = refer_to_aid(
                session,
                actor,
                consultation_id=consultation_id,
                hardship=fields.get("hardship", ""),
                situation=fields.get("situation", ""),
                monthly_income=fields.get("monthly_income") or None,
                household_size=_int(fields.get("household_size"), "household_size", "家庭人口"),
                now=st.clock.now(),
            )
            referral_id = r.id
    except MinyiError as exc:
        return _consultation_page(
            request, consultation_id, status_code=422, error=_say(exc), values=fields
        )
    return redirect(f"/console/legal/referrals/{referral_id}?done=referred")


# --- a referral -----------------------------------------------------------------------------------
def _referral_page(
    request: Request,
    referral_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    actor = staff(request)
    st = state_of(request)
    with st.db.reading() as session:
        r = visible_referral(session, actor, referral_id)
        [d] = describe_referrals(session, actor, [r])
        may_decide = may_decide_aid(actor, actor.unit_code) and r.status == AidStatus.PENDING
        lawyers = aid_lawyers(session) if may_decide else []
        return render(
            request,
            "console/legal/referral.html",
            status_code=status_code,
            r=d,
            may_decide=may_decide,
            lawyers=lawyers,
            done=_done(request),
            error=error,
            values=values or {},
            **_labels(),
        )


@router.get("/console/legal/referrals/{referral_id}")
def referral_page(request: Request, referral_id: int) -> Response:
    return _referral_page(request, referral_id)


@router.post("/console/legal/referrals/{referral_id}/decide")
def decide(request: Request, referral_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            decide_aid(
                session,
                actor,
                referral_id,
                grant=fields.get("decision") == "grant",
                reason=fields.get("reason"),
                lawyer=fields.get("lawyer"),
                now=st.clock.now(),
            )
    except MinyiError as exc:
        return _referral_page(request, referral_id, status_code=422, error=_say(exc), values=fields)
    return redirect(f"/console/legal/referrals/{referral_id}?done=decided")


# --- 访前法律工作室 on the case page --------------------------------------------------------------
def case_panel(session: Session, case: Case, actor: Actor, now: datetime) -> Panel | None:
    advices = case_advices(session, case.id)
    is_lawyer = actor.staff_id is not None and serves_as(session, actor.staff_id, StaffKind.LAWYER)
    may_give = may_advise(actor, is_lawyer=is_lawyer) and is_pre_petition(session, case)
    if not advices and not may_give:
        return None
    view = reader_view(session, case, actor)
    shown = [{**a, "advice": view.show_text(a["advice"]) or ""} for a in advices]
    return Panel(
        "panels/legal_advice.html",
        {
            "case_id": case.id,
            "advices": shown,
            "may_give": may_give,
            "may_choose": may_advise(actor, is_lawyer=is_lawyer),
            **_labels(),
        },
    )


def register(registry: Registry) -> None:
    registry.add(CASE_PANELS, "legal", case_panel)


@router.post("/console/cases/{case_id}/legal-advice")
def advise(request: Request, case_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    with st.db.unit_of_work() as session:
        give_pre_petition_advice(
            session,
            actor,
            case_id,
            route=fields.get("route", ""),
            advice=fields.get("advice", ""),
            choice=fields.get("choice") or None,
            now=st.clock.now(),
        )
    return redirect(f"/console/cases/{case_id}#legal-advice")


@router.post("/console/legal/advice/{advice_id}/choice")
def choose(request: Request, advice_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    with st.db.unit_of_work() as session:
        a = record_choice(
            session, actor, advice_id, choice=fields.get("choice", ""), now=st.clock.now()
        )
        case_id = a.case_id
    return redirect(f"/console/cases/{case_id}#legal-advice")
