"""纠纷调解 (mediation) on a case: open a dispute with its parties and mediators, plan, hold and
cancel sessions, record the outcome and the 人民调解协议书 (.docx, PDF), performance of its
terms, judicial confirmation (司法确认) filed and ruled, referral on failure; the disputes a
reader may see and the service's figures. Parties' contacts go through the privacy policy."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Response

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.state import AppState
from minyi.core.errors import Invalid
from minyi.mediation.documents import (
    agreement_lines,
    render_agreement_docx,
    render_agreement_pdf,
)
from minyi.mediation.queries import (
    describe,
    get_agreement,
    list_disputes,
    readable_dispute,
    service_figures,
)
from minyi.mediation.schemas import (
    CancelIn,
    DisputeIn,
    DisputeList,
    DisputeOut,
    FiguresOut,
    FilingIn,
    HeldIn,
    OutcomeIn,
    PerformanceIn,
    ReferralIn,
    RulingIn,
    SessionIn,
)
from minyi.mediation.service import (
    cancel_session,
    file_confirmation,
    hold_session,
    open_dispute,
    plan_session,
    record_outcome,
    record_performance,
    record_ruling,
    refer_dispute,
)
from minyi.org.rules import Actor

router = APIRouter(prefix="/api/v1/mediation", tags=["mediation"], route_class=ApiRoute)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _view(state: AppState, actor: Actor, dispute_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        return describe(session, actor, readable_dispute(session, actor, dispute_id), tz=state.tz)


@router.get(
    "",
    response_model=DisputeList,
    summary="Disputes the reader may see, newest first",
    responses=refusals(),
)
def get_disputes(
    actor: CurrentActor, session: ReadSession, status: str | None = None
) -> dict[str, Any]:
    return {"items": list_disputes(session, actor, status=status)}


@router.post(
    "",
    response_model=DisputeOut,
    status_code=201,
    summary="Open a dispute on a case (the case moves to mediation on its log if it must)",
    responses=refusals(403, 404, 409, 422),
)
def post_dispute(body: DisputeIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        d = open_dispute(
            session,
            actor,
            case_id=body.case_id,
            site_id=body.site_id,
            facts=body.facts,
            matters=body.matters,
            parties=body.parties,
            mediators=body.mediators,
            reason=body.reason,
            now=state.clock.now(),
        )
        dispute_id = d.id
    return _view(state, actor, dispute_id)


@router.get(
    "/figures",
    response_model=FiguresOut,
    summary="纠纷调解 figures over [since, until] (local dates): by site and by mediator",
    responses=refusals(422),
)
def get_figures(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    since: date,
    until: date,
) -> dict[str, Any]:
    if until < since or (until - since).days > 3660:
        raise Invalid("invalid_period", "统计期间不正确", field="until")
    start = datetime.combine(since, time(0), state.tz)
    end = datetime.combine(until + timedelta(days=1), time(0), state.tz)
    return service_figures(session, since=start, until=end)


@router.get(
    "/{dispute_id}",
    response_model=DisputeOut,
    summary="A dispute with parties (through the privacy policy), sessions, agreements, timeline",
    responses=refusals(404),
)
def get_dispute(dispute_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    return _view(state, actor, dispute_id)


@router.post(
    "/{dispute_id}/sessions",
    response_model=DisputeOut,
    status_code=201,
    summary="Plan a session (time, place or room, online or in person)",
    responses=refusals(403, 404, 409, 422),
)
def post_session(
    dispute_id: int, body: SessionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        plan_session(
            session,
            actor,
            dispute_id,
            starts_at=body.starts_at,
            place=body.place,
            room_id=body.room_id,
            is_online=body.is_online,
            now=state.clock.now(),
            tz=state.tz,
        )
    return _view(state, actor, dispute_id)


@router.post(
    "/sessions/{session_id}/held",
    response_model=DisputeOut,
    summary="Record a session held: the minutes and who attended",
    responses=refusals(403, 404, 409, 422),
)
def post_held(session_id: int, body: HeldIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        row = hold_session(
            session,
            actor,
            session_id,
            minutes=body.minutes,
            party_ids=body.party_ids,
            others=body.others,
            now=state.clock.now(),
        )
        dispute_id = row.dispute_id
    return _view(state, actor, dispute_id)


@router.post(
    "/sessions/{session_id}/cancel",
    response_model=DisputeOut,
    summary="Cancel a planned session, with the reason",
    responses=refusals(403, 404, 409, 422),
)
def post_cancel(
    session_id: int, body: CancelIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        row = cancel_session(session, actor, session_id, reason=body.reason, now=state.clock.now())
        dispute_id = row.dispute_id
    return _view(state, actor, dispute_id)


@router.post(
    "/{dispute_id}/outcome",
    response_model=DisputeOut,
    summary="Record the outcome: agreement or partial (with numbered terms) or failure",
    responses=refusals(403, 404, 409, 422),
)
def post_outcome(
    dispute_id: int, body: OutcomeIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        record_outcome(
            session,
            actor,
            dispute_id,
            outcome=body.outcome.value,
            note=body.note,
            terms=body.terms,
            performance=body.performance,
            signed_on=body.signed_on,
            now=state.clock.now(),
            tz=state.tz,
        )
    return _view(state, actor, dispute_id)


@router.post(
    "/terms/{term_id}/performance",
    response_model=DisputeOut,
    summary="Record a term of the agreement as performed (paid/done) or not yet",
    responses=refusals(403, 404, 409, 422),
)
def post_performance(
    term_id: int, body: PerformanceIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        term = record_performance(
            session, actor, term_id, done=body.done, note=body.note, now=state.clock.now()
        )
        dispute_id = get_agreement(session, term.agreement_id).dispute_id
    return _view(state, actor, dispute_id)


@router.post(
    "/agreements/{agreement_id}/filing",
    response_model=DisputeOut,
    summary="Record the application for judicial confirmation (court, date filed)",
    responses=refusals(403, 404, 409, 422),
)
def post_filing(
    agreement_id: int, body: FilingIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        a = file_confirmation(
            session,
            actor,
            agreement_id,
            court=body.court,
            filed_on=body.filed_on,
            now=state.clock.now(),
            tz=state.tz,
        )
        dispute_id = a.dispute_id
    return _view(state, actor, dispute_id)


@router.post(
    "/agreements/{agreement_id}/ruling",
    response_model=DisputeOut,
    summary="Record the court's ruling: confirmed (enforceable) or refused (back to mediation)",
    responses=refusals(403, 404, 409, 422),
)
def post_ruling(
    agreement_id: int, body: RulingIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        a = record_ruling(
            session,
            actor,
            agreement_id,
            ruling=body.ruling,
            ruled_on=body.ruled_on,
            ruling_number=body.ruling_number,
            reason=body.reason,
            now=state.clock.now(),
            tz=state.tz,
        )
        dispute_id = a.dispute_id
    return _view(state, actor, dispute_id)


@router.post(
    "/{dispute_id}/referral",
    response_model=DisputeOut,
    summary="Refer a failed dispute to arbitration, to court, or back to complaint handling",
    responses=refusals(403, 404, 409, 422),
)
def post_referral(
    dispute_id: int, body: ReferralIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        refer_dispute(
            session,
            actor,
            dispute_id,
            referral=body.referral.value,
            reason=body.reason,
            now=state.clock.now(),
        )
    return _view(state, actor, dispute_id)


def agreement_file(
    state: AppState, actor: Actor, agreement_id: int, kind: str
) -> tuple[bytes, str, str]:
    """(bytes, media type, Content-Disposition) of a 协议书, as this reader may read it."""
    with state.db.reading() as session:
        a = get_agreement(session, agreement_id)
        view = describe(session, actor, readable_dispute(session, actor, a.dispute_id), tz=state.tz)
    text = agreement_lines(view, agreement_id)
    if kind == "pdf":
        body, media = render_agreement_pdf(text), "application/pdf"
    else:
        body, media = render_agreement_docx(text, made_at=state.clock.now()), DOCX
    name = f"mediation-agreement-{agreement_id}.{kind}"
    label = quote(f"人民调解协议书{a.number}.{kind}")
    return body, media, f"attachment; filename=\"{name}\"; filename*=UTF-8''{label}"


@router.get(
    "/agreements/{agreement_id}.docx",
    summary="人民调解协议书 (.docx)",
    response_class=Response,
    responses=refusals(404) | {200: {"content": {DOCX: {}}}},
)
def agreement_docx(agreement_id: int, actor: CurrentActor, state: State) -> Response:
    body, media, disposition = agreement_file(state, actor, agreement_id, "docx")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get(
    "/agreements/{agreement_id}.pdf",
    summary="人民调解协议书 (PDF)",
    response_class=Response,
    responses=refusals(404) | {200: {"content": {"application/pdf": {}}}},
)
def agreement_pdf(agreement_id: int, actor: CurrentActor, state: State) -> Response:
    body, media, disposition = agreement_file(state, actor, agreement_id, "pdf")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})
