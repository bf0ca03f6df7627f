"""法律服务 (legal help): consultations written up by resident lawyers, legal-aid referrals and
区司法局's decision, a lawyer's desk, 访前法律工作室 advice on a case with the citizen's choice,
and the figures. Every personal field through privacy.rules.legal_view (the advice on a case
through the case's own view)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.queries import get_visible_case, reader_view
from minyi.core.errors import Invalid
from minyi.legal.queries import (
    case_advices,
    describe_consultations,
    describe_referrals,
    desk,
    list_consultations,
    list_referrals,
    service_figures,
    visible_consultation,
    visible_referral,
)
from minyi.legal.rules import AidStatus
from minyi.legal.schemas import (
    AdviceIn,
    AdviceOut,
    AssignIn,
    ChoiceIn,
    ConsultationIn,
    ConsultationList,
    ConsultationOut,
    DecisionIn,
    DeskOut,
    FiguresOut,
    ReferralIn,
    ReferralList,
    ReferralOut,
)
from minyi.legal.service import (
    assign_aid_lawyer,
    decide_aid,
    give_pre_petition_advice,
    record_choice,
    record_consultation,
    refer_to_aid,
)
from minyi.org.rules import Actor

router = APIRouter(tags=["legal"], route_class=ApiRoute)
BASE = "/api/v1/legal"


def _consultation(session: Session, actor: Actor, consultation_id: int) -> dict[str, Any]:
    c = visible_consultation(session, actor, consultation_id)
    return describe_consultations(session, actor, [c])[0]


def _referral(session: Session, actor: Actor, referral_id: int) -> dict[str, Any]:
    r = visible_referral(session, actor, referral_id)
    return describe_referrals(session, actor, [r])[0]


def _advices(session: Session, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    case = get_visible_case(session, case_id, actor)
    view = reader_view(session, case, actor)
    return [
        {**a, "advice": view.show_text(a["advice"]) or ""} for a in case_advices(session, case.id)
    ]


@router.get(
    f"{BASE}/consultations",
    response_model=ConsultationList,
    summary="Consultations the reader may list (a lawyer their own), latest first",
    responses=refusals(),
)
def get_consultations(
    actor: CurrentActor,
    session: ReadSession,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    found = list_consultations(session, actor, page=page, page_size=page_size, cursor=cursor)
    items = describe_consultations(session, actor, found.rows)
    return {**found.page_fields(), "items": items}


@router.post(
    f"{BASE}/consultations",
    response_model=ConsultationOut,
    status_code=201,
    summary="Write up a consultation (for a legal appointment or a walk-in at the lawyer's site)",
    responses=refusals(404, 409),
)
def post_consultation(body: ConsultationIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        c = record_consultation(session, actor, **body.model_dump(), now=state.clock.now())
        return describe_consultations(session, actor, [c])[0]


@router.get(
    f"{BASE}/consultations/{{consultation_id}}",
    response_model=ConsultationOut,
    summary="One consultation (question and advice in clear for its lawyer, 区司法局 once "
    "referred, supervisors)",
    responses=refusals(404),
)
def get_consultation(
    consultation_id: int, actor: CurrentActor, session: ReadSession
) -> dict[str, Any]:
    return _consultation(session, actor, consultation_id)


@router.get(
    f"{BASE}/referrals",
    response_model=ReferralList,
    summary="Legal-aid referrals the reader may list",
    responses=refusals(),
)
def get_referrals(
    actor: CurrentActor,
    session: ReadSession,
    status: AidStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    found = list_referrals(
        session, actor, status=status, page=page, page_size=page_size, cursor=cursor
    )
    items = describe_referrals(session, actor, found.rows)
    return {**found.page_fields(), "items": items}


@router.post(
    f"{BASE}/referrals",
    response_model=ReferralOut,
    status_code=201,
    summary="Refer a consultation or a case to 区司法局 for legal aid",
    responses=refusals(404, 409),
)
def post_referral(body: ReferralIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        r = refer_to_aid(session, actor, **body.model_dump(), now=state.clock.now())
        return describe_referrals(session, actor, [r])[0]


@router.get(
    f"{BASE}/referrals/{{referral_id}}",
    response_model=ReferralOut,
    summary="One legal-aid referral",
    responses=refusals(404),
)
def get_referral(referral_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    return _referral(session, actor, referral_id)


@router.post(
    f"{BASE}/referrals/{{referral_id}}/decision",
    response_model=ReferralOut,
    summary="准予 or 不予法律援助 (区司法局 or the administrator), assigning a lawyer on a grant",
    responses=refusals(404, 409),
)
def post_decision(
    referral_id: int, body: DecisionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        r = decide_aid(session, actor, referral_id, **body.model_dump(), now=state.clock.now())
        return describe_referrals(session, actor, [r])[0]


@router.post(
    f"{BASE}/referrals/{{referral_id}}/lawyer",
    response_model=ReferralOut,
    summary="Assign the legal-aid lawyer of a granted referral",
    responses=refusals(404, 409),
)
def post_lawyer(
    referral_id: int, body: AssignIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        r = assign_aid_lawyer(
            session, actor, referral_id, lawyer=body.lawyer, now=state.clock.now()
        )
        return describe_referrals(session, actor, [r])[0]


@router.get(
    f"{BASE}/desk",
    response_model=DeskOut,
    summary="A lawyer's desk: today's appointments at their sites, consultations to write up, "
    "referrals pending",
    responses=refusals(),
)
def get_desk(actor: CurrentActor, session: ReadSession, state: State) -> dict[str, Any]:
    return desk(session, actor, now=state.clock.now(), tz=state.tz)


@router.post(
    f"{BASE}/advice",
    response_model=AdviceOut,
    status_code=201,
    summary="访前法律工作室: record the legal advice on a walk-in or letter case before acceptance",
    responses=refusals(404, 409),
)
def post_advice(body: AdviceIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        a = give_pre_petition_advice(
            session,
            actor,
            body.case_id,
            route=body.route,
            advice=body.advice,
            choice=body.choice,
            now=state.clock.now(),
        )
        return next(x for x in case_advices(session, a.case_id) if x["id"] == a.id)


@router.post(
    f"{BASE}/advice/{{advice_id}}/choice",
    response_model=AdviceOut,
    summary="The citizen's choice after the pre-petition advice (legal route or petition)",
    responses=refusals(404, 409),
)
def post_choice(
    advice_id: int, body: ChoiceIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        a = record_choice(session, actor, advice_id, choice=body.choice, now=state.clock.now())
        return next(x for x in case_advices(session, a.case_id) if x["id"] == a.id)


@router.get(
    f"{BASE}/cases/{{case_id}}/advice",
    response_model=list[AdviceOut],
    summary="The pre-petition legal advice on a case (its text through the case's privacy view)",
    responses=refusals(404),
)
def get_advice(case_id: int, actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    return _advices(session, actor, case_id)


@router.get(
    f"{BASE}/figures",
    response_model=FiguresOut,
    summary="法律服务 figures over a period (default: the last 30 days); counts only",
    responses=refusals(),
)
def get_figures(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    now = state.clock.now()
    end = until or now
    start = since or datetime.combine(
        (now.astimezone(state.tz) - timedelta(days=30)).date(), time(0), state.tz
    )
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid("naive_time", "时间须带时区（如 2026-11-01T00:00:00+08:00）", field="since")
    if end <= start:
        raise Invalid("bad_period", "结束时间须晚于开始时间", field="until")
    return {
        "since": start,
        "until": end,
        "figures": service_figures(session, since=start, until=end),
    }
