"""Service markets (服务市集 / 赶圩日): plan markets with their stalls, and at a stall register
what people raise (cases on the market channel), answer policy questions, solve matters on the
spot; each market's figures and matters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.state import AppState
from minyi.markets import queries
from minyi.markets.schemas import (
    EventDetailOut,
    EventIn,
    EventOut,
    EventPage,
    MatterIn,
    MatterOut,
    QuestionIn,
    SolveIn,
    StallIn,
    StallOut,
    VisitorsIn,
)
from minyi.markets.service import (
    MatterEntry,
    StallPlan,
    answer_question,
    cancel_event,
    plan_event,
    raise_matter,
    set_stall,
    set_visitors,
    solve_matter,
)
from minyi.org.models import Unit
from minyi.org.rules import Actor

router = APIRouter(prefix="/api/v1/markets", tags=["markets"], route_class=ApiRoute)


def _event(state: AppState, actor: Actor, event_id: int, *, detail: bool = False) -> dict[str, Any]:
    with state.db.reading() as session:
        event = queries.get_event(session, event_id)
        area = session.get(Unit, event.area_id)
        assert area is not None
        figures = queries.event_figures(session, [event.id]).get(event.id)
        out = queries.event_out(event, area, state.clock.now(), figures)
        if detail:
            out["stall_list"] = [
                queries.stall_out(s) for s in queries.stall_rows(session, event.id)
            ]
            out["matters"] = queries.matter_rows(session, actor, event_id=event.id)
        return out


def _matter(state: AppState, actor: Actor, matter_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        stall_id, event_id = queries.matter_place(session, matter_id)
        rows = queries.matter_rows(session, actor, event_id=event_id, stall_id=stall_id)
        return next(r for r in rows if r["id"] == matter_id)


def _stall(state: AppState, stall_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        stall, _event, _unit = queries.stall_of(session, stall_id)
        rows = queries.stall_rows(session, stall.event_id)
        return queries.stall_out(next(r for r in rows if r.id == stall_id))


@router.get(
    "",
    response_model=EventPage,
    summary="Service markets, upcoming or held",
    responses=refusals(404, 422),
)
def list_markets(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    when: Literal["upcoming", "held"] | None = None,
    area: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    del actor  # any staff member reads the markets' plan and figures
    found = queries.list_events(
        session,
        now=state.clock.now(),
        when=when,
        area=area,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    return {**found.page_fields(), "items": found.rows}


@router.post(
    "",
    response_model=EventOut,
    status_code=201,
    summary="Plan a market: time, place, themes, the stalls and their staff",
    responses=refusals(403, 404, 422),
)
def post_market(body: EventIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        event_id = plan_event(
            session,
            actor=actor,
            title=body.title,
            place=body.place,
            area=body.area,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            themes=[t.value for t in body.themes],
            stalls=[
                StallPlan(s.unit, tuple(s.staff), tuple(t.value for t in s.themes))
                for s in body.stalls
            ],
            note=body.note,
            now=state.clock.now(),
        ).id
    return _event(state, actor, event_id)


@router.get(
    "/{event_id}",
    response_model=EventDetailOut,
    summary="One market: its figures, stalls and matters (people through the privacy policy)",
    responses=refusals(404),
)
def get_market(event_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    return _event(state, actor, event_id, detail=True)


@router.post(
    "/{event_id}/cancel",
    response_model=EventOut,
    summary="Cancel a market that has not started",
    responses=refusals(403, 404, 409),
)
def post_cancel(event_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        cancel_event(session, event_id, actor=actor, now=state.clock.now())
    return _event(state, actor, event_id)


@router.put(
    "/{event_id}/stalls",
    response_model=StallOut,
    summary="Add a unit's stall to a market, or change its staff and themes",
    responses=refusals(403, 404, 409, 422),
)
def put_stall(event_id: int, body: StallIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        stall_id = set_stall(
            session,
            event_id,
            StallPlan(body.unit, tuple(body.staff), tuple(t.value for t in body.themes)),
            actor=actor,
        ).id
    return _stall(state, stall_id)


@router.put(
    "/stalls/{stall_id}/visitors",
    response_model=StallOut,
    summary="The visitors a stall received, as its staff counted them",
    responses=refusals(403, 404, 409, 422),
)
def put_visitors(
    stall_id: int, body: VisitorsIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        set_visitors(session, stall_id, actor=actor, visitors=body.visitors, now=state.clock.now())
    return _stall(state, stall_id)


@router.post(
    "/stalls/{stall_id}/matters",
    response_model=MatterOut,
    status_code=201,
    summary="Register what a person raised at a stall: a case on the market channel "
    "(solved on the spot with `solved` and `reply`); the same external_id answers the first",
    responses=refusals(403, 404, 409, 422),
)
async def post_matter(
    stall_id: int, body: MatterIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    entry = MatterEntry(
        token=body.external_id,
        theme=body.theme.value,
        body=body.body,
        phone=body.phone,
        name=body.name,
        solved=body.solved,
        reply=body.reply,
    )
    matter_id = await raise_matter(state, actor, stall_id, entry)
    return await run_in_threadpool(_matter, state, actor, matter_id)


@router.post(
    "/stalls/{stall_id}/questions",
    response_model=MatterOut,
    status_code=201,
    summary="A policy question answered on the spot (no case, no name or phone)",
    responses=refusals(403, 404, 409, 422),
)
def post_question(
    stall_id: int, body: QuestionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        matter_id = answer_question(
            session,
            stall_id,
            actor=actor,
            token=body.external_id,
            theme=body.theme.value,
            question=body.question,
            answer=body.answer,
            now=state.clock.now(),
        ).id
    return _matter(state, actor, matter_id)


@router.post(
    "/matters/{matter_id}/solve",
    response_model=MatterOut,
    summary="现场速办: close a matter's case on the spot with the stall staff's reply",
    responses=refusals(403, 404, 409, 422),
)
def post_solve(matter_id: int, body: SolveIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        solve_matter(session, matter_id, actor=actor, reply=body.reply, now=state.clock.now())
    return _matter(state, actor, matter_id)
