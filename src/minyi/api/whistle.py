"""Whistle (吹哨联动): blow, report in (报到), act, confirm; response rate per department."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.state import AppState
from minyi.core.errors import Invalid, NotFound
from minyi.core.schemas import Page
from minyi.org.rules import Actor
from minyi.org.service import unit_by_code
from minyi.whistle.models import Whistle
from minyi.whistle.queries import (
    describe_whistles,
    get_visible_whistle,
    list_whistles,
    response_facts,
)
from minyi.whistle.rules import WhistleStatus, response_by_department
from minyi.whistle.schemas import ActIn, BlowIn, ConfirmIn, DepartmentResponseOut, WhistleOut
from minyi.whistle.service import act_on_summons, blow_whistle, confirm_whistle, report_in

router = APIRouter(prefix="/api/v1", tags=["whistle"], route_class=ApiRoute)


@router.post(
    "/whistles",
    response_model=WhistleOut,
    status_code=201,
    summary="Blow the whistle (吹哨/发令): summon departments to a case or place",
    responses=refusals(404, 409),
)
def blow(body: BlowIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        whistle = blow_whistle(
            session,
            actor=actor,
            description=body.description,
            units=body.units,
            case_id=body.case_id,
            place=body.place,
            address=body.address,
            report_within_minutes=body.report_within_minutes,
            now=now,
        )
        return _view(session, whistle, state, actor)


@router.get(
    "/whistles",
    response_model=Page[WhistleOut],
    summary="Whistles in your scope: issued in your area, or summoning your unit",
    responses=refusals(404),
)
def whistles(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    status: WhistleStatus | None = None,
    unit: str | None = None,
    case_id: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: PageCursor = None,
) -> Page[WhistleOut]:
    unit_id = _unit_id(session, unit)
    found = list_whistles(
        session,
        actor,
        status=status.value if status else None,
        unit_id=unit_id,
        case_id=case_id,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    rows = found.rows
    items = describe_whistles(session, rows, state.clock.now(), actor=actor)
    return Page[WhistleOut](
        **found.page_fields(),
        items=[WhistleOut.model_validate(v) for v in items],
    )


@router.get(
    "/whistles/stats",
    response_model=list[DepartmentResponseOut],
    summary="Per department: summoned, reported in time (response rate), median minutes",
    responses=refusals(404),
)
def stats(
    actor: CurrentActor,
    session: ReadSession,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    unit: str | None = None,
) -> list[dict[str, Any]]:
    facts = response_facts(session, since=since, until=until, unit_id=_unit_id(session, unit))
    return [d.as_dict() for d in response_by_department(facts)]


@router.get(
    "/whistles/{whistle_id}",
    response_model=WhistleOut,
    summary="One whistle with every summons and its stage",
    responses=refusals(404),
)
def whistle(
    whistle_id: int, actor: CurrentActor, session: ReadSession, state: State
) -> dict[str, Any]:
    return _view(session, get_visible_whistle(session, whistle_id, actor), state, actor)


@router.post(
    "/whistles/{whistle_id}/report-in",
    response_model=WhistleOut,
    summary="Report in (报到) for your department",
    responses=refusals(404, 409),
)
def post_report_in(whistle_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        report_in(session, whistle_id, actor=actor, now=state.clock.now())
        return _view(session, _reload(session, whistle_id, actor), state, actor)


@router.post(
    "/whistles/{whistle_id}/act",
    response_model=WhistleOut,
    summary="Record what your department did (执行)",
    responses=refusals(404, 409),
)
def post_act(whistle_id: int, body: ActIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        act_on_summons(session, whistle_id, actor=actor, text=body.text, now=state.clock.now())
        return _view(session, _reload(session, whistle_id, actor), state, actor)


@router.post(
    "/whistles/{whistle_id}/confirm",
    response_model=WhistleOut,
    summary="Confirm one department's work, or all (the issuer)",
    responses=refusals(404, 409),
)
def post_confirm(
    whistle_id: int, body: ConfirmIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        w = confirm_whistle(
            session, whistle_id, actor=actor, unit=body.unit, note=body.note, now=state.clock.now()
        )
        return _view(session, w, state, actor)


def _unit_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    try:
        return unit_by_code(session, code).id
    except NotFound as error:  # an unknown unit in a filter is bad input, not a missing resource
        raise Invalid("unknown_unit", f"no unit '{code}'", field="unit") from error


def _reload(session: Session, whistle_id: int, actor: Actor) -> Whistle:
    return get_visible_whistle(session, whistle_id, actor)


def _view(session: Session, w: Whistle, state: AppState, actor: Actor) -> dict[str, Any]:
    return describe_whistles(session, [w], state.clock.now(), actor=actor)[0]
