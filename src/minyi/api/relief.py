"""帮扶救助 (relief): applications registered at a window (their case through intake), the three
reviews in order, the bureau's approval with an amount, the payment and the follow-up visit;
applications read through the privacy policy; the service's figures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.state import AppState
from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Actor, Role
from minyi.relief.queries import (
    describe,
    list_applications,
    may_read_relief,
    service_figures,
    visible_application,
)
from minyi.relief.schemas import (
    ApplicationIn,
    ApplicationList,
    ApplicationOut,
    FiguresOut,
    FollowUpIn,
    PaymentIn,
    ResubmitIn,
    ReviewIn,
)
from minyi.relief.service import (
    apply,
    record_follow_up,
    record_payment,
    resubmit_application,
    review_application,
)

router = APIRouter(tags=["relief"], route_class=ApiRoute)
STAFF = "/api/v1/relief"
FIGURE_READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER})


def _one(state: AppState, actor: Actor, application_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        row = visible_application(session, actor, application_id)
        return describe(session, actor, [row], full=True)[0]


@router.get(
    STAFF + "/applications",
    response_model=ApplicationList,
    summary="Relief applications the reader may open, newest first (mine: waiting for my step)",
    responses=refusals(),
)
def get_applications(
    actor: CurrentActor,
    session: ReadSession,
    status: Annotated[str | None, Query(max_length=20)] = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict[str, Any]:
    total, rows = list_applications(session, actor, status=status, mine=mine, limit=limit)
    return {"total": total, "items": describe(session, actor, rows)}


@router.post(
    STAFF + "/applications",
    response_model=ApplicationOut,
    status_code=201,
    summary="Register an application at a window: its case through intake, service relief",
    responses=refusals(403, 404, 409, 422),
)
async def post_application(
    body: ApplicationIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    application = await apply(state, body, actor=actor)
    return await run_in_threadpool(_one, state, actor, application.id)


@router.get(
    STAFF + "/figures",
    response_model=FiguresOut,
    summary="The service's figures over a period (applications, approvals, amounts, duplicates)",
    responses=refusals(422),
)
def get_figures(
    actor: CurrentActor, session: ReadSession, since: datetime, until: datetime
) -> dict[str, Any]:
    if actor.role not in FIGURE_READERS and not may_read_relief(actor):
        raise Forbidden("role_not_allowed", "您无权查看帮扶救助统计")
    if since.tzinfo is None or until.tzinfo is None or until <= since:
        raise Invalid("bad_period", "统计区间须带时区，且结束晚于开始", field="until")
    return service_figures(session, since=since, until=until)


@router.get(
    STAFF + "/applications/{application_id}",
    response_model=ApplicationOut,
    summary="One application with its reviews, payment and follow-up, through the privacy policy",
    responses=refusals(404),
)
def get_application(application_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    return _one(state, actor, application_id)


@router.post(
    STAFF + "/applications/{application_id}/review",
    response_model=ApplicationOut,
    summary="Approve, return for more documents, or refuse at the current stage",
    responses=refusals(403, 404, 409, 422),
)
def post_review(
    application_id: int, body: ReviewIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        visible_application(session, actor, application_id)
        review_application(
            session,
            application_id,
            actor=actor,
            step=body.step,
            reason=body.reason,
            amount=body.amount,
            repeat_reason=body.repeat_reason,
            now=state.clock.now(),
        )
    return _one(state, actor, application_id)


@router.post(
    STAFF + "/applications/{application_id}/resubmit",
    response_model=ApplicationOut,
    summary="Send a returned application on again with the missing documents",
    responses=refusals(403, 404, 409, 422),
)
def post_resubmit(
    application_id: int, body: ResubmitIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        visible_application(session, actor, application_id)
        resubmit_application(
            session,
            application_id,
            actor=actor,
            documents=body.documents,
            note=body.note,
            now=state.clock.now(),
        )
    return _one(state, actor, application_id)


@router.post(
    STAFF + "/applications/{application_id}/payment",
    response_model=ApplicationOut,
    summary="Record the payment (the bureau); a flagged duplicate needs repeat_reason",
    responses=refusals(403, 404, 409, 422),
)
def post_payment(
    application_id: int, body: PaymentIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        visible_application(session, actor, application_id)
        record_payment(
            session,
            application_id,
            actor=actor,
            amount=body.amount,
            paid_on=body.paid_on,
            method=body.method,
            repeat_reason=body.repeat_reason,
            now=state.clock.now(),
            tz=state.tz,
        )
    return _one(state, actor, application_id)


@router.post(
    STAFF + "/applications/{application_id}/follow-up",
    response_model=ApplicationOut,
    summary="Record the follow-up visit; the bureau's reply closes the case",
    responses=refusals(403, 404, 409, 422),
)
def post_follow_up(
    application_id: int, body: FollowUpIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        visible_application(session, actor, application_id)
        record_follow_up(
            session,
            application_id,
            actor=actor,
            visited_on=body.visited_on,
            notes=body.notes,
            now=state.clock.now(),
            tz=state.tz,
        )
    return _one(state, actor, application_id)
