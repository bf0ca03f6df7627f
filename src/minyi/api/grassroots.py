"""Grid and party coverage (党建覆盖): places below the grid, who covers them, coverage gaps
(list and map), patrols and the grid events their findings become."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.state import AppState
from minyi.core.errors import Invalid
from minyi.grassroots.drawing import DETAILED, render_svg
from minyi.grassroots.queries import (
    branches,
    building_view,
    coverage_report,
    coverage_tree,
    coverers,
    district,
    get_area,
    households_of,
    patrol_figures,
    patrol_rows,
    road_names,
    unit_names,
    visible_building,
)
from minyi.grassroots.rules import Coverage
from minyi.grassroots.schemas import (
    AssignIn,
    AssignmentOut,
    BranchIn,
    BranchOut,
    BuildingEdit,
    BuildingOut,
    CoverageOut,
    FiguresOut,
    HandlingIn,
    HouseholdIn,
    HouseholdOut,
    ImportOut,
    PatrolIn,
    PatrolOut,
    area_out,
    assignment_out,
    building_out,
    figures_out,
    household_out,
)
from minyi.grassroots.service import (
    add_branch,
    assign,
    describe_import,
    edit_building,
    end_assignment,
    handle_event,
    import_places,
    raise_finding,
    read_place_file,
    record_patrol,
    save_household,
)
from minyi.org.rules import Actor

router = APIRouter(prefix="/api/v1/grassroots", tags=["grassroots"], route_class=ApiRoute)
MAX_FILE = 20 * 1024 * 1024


@router.get(
    "/coverage",
    response_model=CoverageOut,
    summary="Coverage of an area: counts per child area and its buildings, gaps first",
    responses=refusals(404),
)
def get_coverage(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    area: str | None = None,
    coverage_state: Annotated[Coverage | None, Query(alias="state")] = None,
    gaps: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    tree, rows, total, grids, roads = coverage_report(
        session,
        actor,
        area=area,
        now=state.clock.now(),
        state=coverage_state,
        gaps_only=gaps,
        page=page,
        page_size=page_size,
    )
    return {
        "area": area_out(tree),
        "children": [area_out(c) for c in tree.children],
        "total": total,
        "page": page,
        "page_size": page_size,
        "items": [building_out(b, grids, roads) for b in rows],
    }


@router.get(
    "/coverage.svg",
    summary="The coverage map of an area (SVG drawn from the area tree)",
    response_class=Response,
    responses=refusals(404) | {200: {"content": {"image/svg+xml": {}}}},
)
def coverage_svg(
    actor: CurrentActor, session: ReadSession, state: State, area: str | None = None
) -> Response:
    root = get_area(session, actor, area)
    tree = coverage_tree(session, root, state.clock.now(), detailed_up_to=DETAILED)
    return Response(render_svg(tree), media_type="image/svg+xml")


@router.get(
    "/figures",
    response_model=FiguresOut,
    summary="Patrols, findings, grid events found and 处置率 of an area",
    responses=refusals(404),
)
def figures(
    actor: CurrentActor, session: ReadSession, state: State, area: str | None = None
) -> dict[str, Any]:
    root = get_area(session, actor, area)
    tree = coverage_tree(session, root, state.clock.now(), detailed_up_to=DETAILED)
    return figures_out(tree, patrol_figures(session, root, now=state.clock.now()))


@router.post(
    "/places/import",
    response_model=ImportOut,
    summary="Import roads and buildings (CSV or XLSX); bad rows are reported, good rows kept",
    responses=refusals(404, 422),
)
async def import_file(file: UploadFile, actor: CurrentActor, state: State) -> dict[str, Any]:
    data = await file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise Invalid("file_too_large", "文件不超过20MB", field="file")

    def run() -> dict[str, Any]:
        rows = read_place_file(file.filename or "", data)
        with state.db.unit_of_work() as session:
            return describe_import(import_places(session, rows, actor=actor))

    return await run_in_threadpool(run)


@router.put(
    "/buildings/{building_id}",
    response_model=BuildingOut,
    summary="Edit a building",
    responses=refusals(404, 422),
)
def put_building(
    building_id: int, body: BuildingEdit, actor: CurrentActor, state: State
) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        b = edit_building(
            session,
            building_id,
            actor=actor,
            name=body.name,
            address=body.address,
            households=body.households,
            road_code=body.road,
            is_active=body.is_active,
        )
        view = building_view(session, b, now)
        return building_out(
            view,
            unit_names(session, {b.grid_id}),
            road_names(session, {b.road_id} if b.road_id else set()),
        )


@router.get(
    "/assignments",
    response_model=list[AssignmentOut],
    summary="Who covers what in an area (包路进楼联户)",
    responses=refusals(404),
)
def get_assignments(
    actor: CurrentActor, session: ReadSession, area: str | None = None
) -> list[dict[str, Any]]:
    return [assignment_out(c) for c in coverers(session, get_area(session, actor, area))]


@router.post(
    "/assignments",
    response_model=AssignmentOut,
    status_code=201,
    summary="Assign a road or a building to a person, with a visit interval",
    responses=refusals(404, 422),
)
def post_assignment(body: AssignIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        row = assign(
            session,
            actor=actor,
            username=body.username,
            kind=body.kind,
            road_code=body.road,
            building_code=body.building,
            branch_id=body.branch_id,
            visit_days=body.visit_days,
            now=state.clock.now(),
        )
        return _assignment(session, row.id)


@router.post(
    "/assignments/{assignment_id}/end",
    response_model=AssignmentOut,
    summary="End an assignment",
    responses=refusals(404),
)
def post_end(assignment_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        row = end_assignment(session, assignment_id, actor=actor, now=state.clock.now())
        return _assignment(session, row.id)


def _assignment(session: Session, assignment_id: int) -> dict[str, Any]:
    return assignment_out(coverers(session, district(session), assignment_id=assignment_id)[0])


@router.get(
    "/branches",
    response_model=list[BranchOut],
    summary="The party branches of an area (支部建在小区)",
    responses=refusals(404),
)
def get_branches(
    actor: CurrentActor, session: ReadSession, area: str | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "id": b.id,
            "name": b.name,
            "place": b.place,
            "community": b.community_name,
            "secretary": b.secretary,
            "members": b.members,
        }
        for b in branches(session, get_area(session, actor, area))
    ]


@router.post(
    "/branches",
    response_model=BranchOut,
    status_code=201,
    summary="Add a party branch to a community",
    responses=refusals(404, 422),
)
def post_branch(body: BranchIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        b = add_branch(
            session,
            actor=actor,
            community_code=body.community,
            name=body.name,
            place=body.place,
            secretary=body.secretary,
        )
        return {
            "id": b.id,
            "name": b.name,
            "place": b.place,
            "community": body.community,
            "secretary": body.secretary,
            "members": 0,
        }


@router.get(
    "/patrols",
    response_model=list[PatrolOut],
    summary="Recent patrols of an area, findings through the privacy policy",
    responses=refusals(404),
)
def get_patrols(
    actor: CurrentActor,
    session: ReadSession,
    area: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 30,
) -> list[dict[str, Any]]:
    return patrol_rows(session, actor, area=area, limit=limit)


@router.post(
    "/patrols",
    response_model=PatrolOut,
    status_code=201,
    summary="Record a visit to a building; a finding may be raised as a grid event at once",
    responses=refusals(404, 409, 422),
)
async def post_patrol(body: PatrolIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    def record() -> int:
        with state.db.unit_of_work() as session:
            return record_patrol(
                session,
                actor=actor,
                building_id=body.building_id,
                household_id=body.household_id,
                finding=body.finding,
                photos=[],
                now=state.clock.now(),
            ).id

    patrol_id = await run_in_threadpool(record)
    if body.raise_event:
        await raise_finding(state, actor, patrol_id)
        if body.handling is not None:
            await run_in_threadpool(_handle, state, actor, patrol_id, body.handling)
    return await run_in_threadpool(_patrol, state, actor, patrol_id)


@router.post(
    "/patrols/{patrol_id}/event",
    response_model=PatrolOut,
    summary="Raise a patrol's finding as a grid event (a case on the grid channel)",
    responses=refusals(404, 409, 422),
)
async def post_event(patrol_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    await raise_finding(state, actor, patrol_id)
    return await run_in_threadpool(_patrol, state, actor, patrol_id)


@router.post(
    "/patrols/{patrol_id}/handling",
    response_model=PatrolOut,
    summary="Choose how a raised grid event is handled: in the grid, by a whistle, or dispatched",
    responses=refusals(403, 404, 409, 422),
)
def post_handling(
    patrol_id: int, body: HandlingIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    _handle(state, actor, patrol_id, body)
    return _patrol(state, actor, patrol_id)


def _handle(state: AppState, actor: Actor, patrol_id: int, body: HandlingIn) -> None:
    with state.db.unit_of_work() as session:
        handle_event(
            session,
            patrol_id,
            actor=actor,
            handling=body.handling,
            units=body.units,
            report_within_minutes=body.report_within_minutes,
            solved=body.solved,
            now=state.clock.now(),
        )


@router.get(
    "/buildings/{building_id}/households",
    response_model=list[HouseholdOut],
    summary="A building's households (户), heads' names and phones through the privacy policy",
    responses=refusals(404),
)
def get_households(
    building_id: int, actor: CurrentActor, session: ReadSession
) -> list[dict[str, Any]]:
    building = visible_building(session, actor, building_id)
    return [household_out(h) for h in households_of(session, actor, building)]


@router.post(
    "/buildings/{building_id}/households",
    response_model=HouseholdOut,
    status_code=201,
    summary="Add a household to a building",
    responses=refusals(403, 404, 409, 422),
)
def post_household(
    building_id: int, body: HouseholdIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    return _save_household(state, actor, building_id, None, body)


@router.put(
    "/buildings/{building_id}/households/{household_id}",
    response_model=HouseholdOut,
    summary="Edit a household",
    responses=refusals(403, 404, 422),
)
def put_household(
    building_id: int, household_id: int, body: HouseholdIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    return _save_household(state, actor, building_id, household_id, body)


def _save_household(
    state: AppState, actor: Actor, building_id: int, household_id: int | None, body: HouseholdIn
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        row = save_household(
            session,
            actor=actor,
            building_id=building_id,
            household_id=household_id,
            code=body.code,
            room=body.room,
            head_name=body.head_name,
            head_phone=body.head_phone,
            members=body.members,
            is_active=body.is_active,
        )
        building = visible_building(session, actor, building_id)
        return household_out(
            next(h for h in households_of(session, actor, building) if h.id == row.id)
        )


def _patrol(state: AppState, actor: Actor, patrol_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        return patrol_rows(session, actor, area=None, mine=True, patrol_id=patrol_id)[0]
