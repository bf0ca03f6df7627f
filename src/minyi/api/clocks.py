from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Role
from minyi.sla.queries import case_clocks
from minyi.sla.schemas import ClockView, ExtendIn, PauseIn, PoliciesVersionOut, PolicyIn
from minyi.sla.service import (
    extend_case,
    import_policies,
    pause_case,
    policies_text,
    resume_case,
    set_case_policy,
)

router = APIRouter(prefix="/api/v1", tags=["clocks"], route_class=ApiRoute)


@router.get(
    "/appeals/{case_id}/clocks",
    response_model=list[ClockView],
    summary="The case's milestones: green, yellow or red, with time left",
    responses=refusals(404),
)
def get_clocks(
    case_id: int, actor: CurrentActor, session: ReadSession, state: State
) -> list[dict[str, Any]]:
    return case_clocks(session, case_id, actor, state.clock.now())


@router.post(
    "/appeals/{case_id}/clocks/pause",
    response_model=list[ClockView],
    summary="Stop the case's clocks, with a reason",
    responses=refusals(404, 409),
)
def pause(case_id: int, body: PauseIn, actor: CurrentActor, state: State) -> list[dict[str, Any]]:
    with state.db.unit_of_work() as session:
        return pause_case(session, case_id, actor, reason=body.reason, now=state.clock.now())


@router.post(
    "/appeals/{case_id}/clocks/resume",
    response_model=list[ClockView],
    summary="Restart paused clocks with the time they had left",
    responses=refusals(404, 409),
)
def resume(case_id: int, actor: CurrentActor, state: State) -> list[dict[str, Any]]:
    with state.db.unit_of_work() as session:
        return resume_case(session, case_id, actor, now=state.clock.now())


@router.post(
    "/appeals/{case_id}/clocks/extend",
    response_model=ClockView,
    summary="Approve one extension of a milestone (延期)",
    responses=refusals(404, 409),
)
def extend(case_id: int, body: ExtendIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        return extend_case(
            session,
            case_id,
            actor,
            milestone=body.milestone,
            days=body.days,
            reason=body.reason,
            now=state.clock.now(),
        )


@router.post(
    "/appeals/{case_id}/clocks/policy",
    response_model=list[ClockView],
    summary="Put one case on another clock policy (replans its clocks)",
    responses=refusals(404, 409),
)
def set_policy(
    case_id: int, body: PolicyIn, actor: CurrentActor, state: State
) -> list[dict[str, Any]]:
    with state.db.unit_of_work() as session:
        return set_case_policy(
            session, case_id, actor, policy=body.policy, reason=body.reason, now=state.clock.now()
        )


@router.get(
    "/clock-policies",
    summary="The current clock policies (YAML)",
    response_class=Response,
    responses={
        200: {"content": {"application/yaml": {}}, "description": "the policies as YAML"},
        **refusals(),
    },
)
def get_policies(actor: CurrentActor, session: ReadSession) -> Response:
    return Response(policies_text(session), media_type="application/yaml")


@router.put(
    "/clock-policies",
    summary="Replace the clock policies (admin); a new version",
    response_model=PoliciesVersionOut,
    responses=refusals(),
)
def put_policies(
    actor: CurrentActor, state: State, text: Annotated[str, Body(media_type="application/yaml")]
) -> dict[str, Any]:
    if actor.role is not Role.ADMIN:
        raise Forbidden("admin_only", "only an administrator may change the clock policies")
    if not text.strip():
        raise Invalid("empty_policies", "the policy file is empty", field="body")
    with state.db.unit_of_work() as session:
        return {"version": import_policies(session, text, by=actor.username, now=state.clock.now())}
