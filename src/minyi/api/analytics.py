"""Analytics for dashboards: hotspots, early-warning alerts, class-governance sweeps and the
unit assessment. Leaders, supervisors, dispatchers and admins see the district; area staff see
their area's alerts; every staff member sees their own unit's assessment."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from minyi.analytics.alerts import acknowledge_alert, raise_alerts
from minyi.analytics.assessment import FORMULAS, assess_units
from minyi.analytics.export import assessment_csv, assessment_xlsx
from minyi.analytics.queries import (
    alert_views,
    find_hotspots,
    get_sweep,
    hotspots_of_day,
    list_alerts,
    list_sweeps,
    sweep_view,
)
from minyi.analytics.rules import (
    PeriodKind,
    alert_area_scope,
    assessment_unit_scope,
    period_of,
    previous_period,
    require_viewer,
)
from minyi.analytics.schemas import (
    AckIn,
    AlertOut,
    AlertsOut,
    AlertsRaisedOut,
    AssessmentOut,
    HotspotsOut,
    RunAlertsIn,
    SimilarCasesOut,
    SweepIn,
    SweepList,
    SweepOut,
)
from minyi.analytics.sweeps import create_sweep, find_similar_cases
from minyi.api.deps import CurrentActor, ReplicaSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.core.errors import Invalid

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], route_class=ApiRoute)


@router.get(
    "/hotspots",
    summary="Hotspots (热点): clusters of appeals on one matter and place, by heat index",
    response_model=HotspotsOut,
    responses=refusals(),
)
def hotspots(
    actor: CurrentActor,
    session: ReplicaSession,
    day: date | None = None,
    window_days: Annotated[int, Query(ge=1, le=92)] = 7,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
) -> dict[str, Any]:
    """Either `day` (the daily pass over `window_days` days ending that day) or `start`+`end`."""
    require_viewer(actor)
    if day is not None:
        found = hotspots_of_day(session, day=day, window_days=window_days, limit=limit)
    elif start is not None and end is not None:
        found = find_hotspots(session, start=start, end=end, limit=limit)
    else:
        raise Invalid("period_required", "give day, or start and end", field="day")
    return {"items": [asdict(h) for h in found]}


@router.get(
    "/alerts",
    summary="Early-warning alerts (弱信号) with their evidence, newest first",
    response_model=AlertsOut,
    responses=refusals(),
)
def alerts(
    actor: CurrentActor,
    session: ReplicaSession,
    status: Literal["open", "acknowledged"] | None = None,
    day: date | None = None,
    kind: Literal["burst", "repeat_petitioner", "crowd_growth"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    area = alert_area_scope(actor)
    rows = list_alerts(session, status=status, day=day, kind=kind, unit_path=area, limit=limit)
    return {"items": [asdict(v) for v in alert_views(session, rows)]}


@router.post(
    "/alerts/run",
    summary="Detect the day's signals and raise the alerts not raised before",
    response_model=AlertsRaisedOut,
    responses=refusals(),
)
def run_alerts(body: RunAlertsIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    require_viewer(actor)
    with state.db.unit_of_work() as session:
        new = raise_alerts(session, day=body.day, now=state.clock.now())
        return {"raised": len(new), "items": [asdict(v) for v in alert_views(session, new)]}


@router.post(
    "/alerts/{alert_id}/acknowledge",
    summary="Acknowledge an alert (once)",
    response_model=AlertOut,
    responses=refusals(404, 409),
)
def acknowledge(alert_id: int, body: AckIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        alert = acknowledge_alert(
            session, alert_id, actor=actor, note=body.note, now=state.clock.now()
        )
        return asdict(alert_views(session, [alert])[0])


@router.get(
    "/cases/{case_id}/similar",
    summary="Similar cases across the district (同类案件)",
    response_model=SimilarCasesOut,
    responses=refusals(404),
)
def similar(
    case_id: int,
    actor: CurrentActor,
    session: ReplicaSession,
    days: Annotated[int, Query(ge=1, le=3660)] = 365,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    require_viewer(actor)
    return {
        "items": [
            asdict(s)
            for s in find_similar_cases(session, case_id, actor=actor, days=days, limit=limit)
        ]
    }


@router.post(
    "/sweeps",
    status_code=201,
    response_model=SweepOut,
    summary="Start a sweep (办结一件、化解一类) from a case: a tracked instruction",
    responses=refusals(404, 409),
)
def post_sweep(body: SweepIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        sweep = create_sweep(
            session,
            actor=actor,
            case_id=body.case_id,
            place_kind=body.place_kind,
            text=body.text,
            name_contains=body.name_contains,
            within_days=body.within_days,
            now=now,
        )
        return sweep_view(session, sweep, now, actor=actor)


@router.get(
    "/sweeps",
    response_model=SweepList,
    summary="Sweeps, newest first, with their tasks' states",
    responses=refusals(404),
)
def sweeps(actor: CurrentActor, session: ReplicaSession, state: State) -> dict[str, Any]:
    require_viewer(actor)
    now = state.clock.now()
    return {"items": [sweep_view(session, s, now, actor=actor) for s in list_sweeps(session)]}


@router.get(
    "/sweeps/{sweep_id}",
    response_model=SweepOut,
    summary="One sweep with its tasks' states",
    responses=refusals(404),
)
def sweep(
    sweep_id: int, actor: CurrentActor, session: ReplicaSession, state: State
) -> dict[str, Any]:
    require_viewer(actor)
    return sweep_view(session, get_sweep(session, sweep_id), state.clock.now(), actor=actor)


@router.get(
    "/assessment",
    summary="Unit assessment (绩效): seven rates, score and rank per unit",
    response_model=AssessmentOut,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
            "description": "the assessment as JSON, or as a CSV or Excel file (`format`)",
        },
        **refusals(),
    },
)
def assessment(
    actor: CurrentActor,
    session: ReplicaSession,
    state: State,
    period: PeriodKind = PeriodKind.WEEK,
    day: date | None = Query(
        None, description="a day inside the period; default: the last complete period"
    ),
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Any:
    own_unit = assessment_unit_scope(actor)
    span = period_of(period.value, day) if day else previous_period(period.value, state.clock.now())
    result = assess_units(session, span, now=state.clock.now())
    if own_unit is not None:
        # Ranks stay those of the whole district: a unit sees where it stands, not the others.
        result = type(result)(
            period=result.period, rows=tuple(r for r in result.rows if r.unit == own_unit)
        )
    if format == "csv":
        return Response(
            assessment_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="assessment-{span.label}.csv"'},
        )
    if format == "xlsx":
        return Response(
            assessment_xlsx(result),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="assessment-{span.label}.xlsx"'},
        )
    return {**result.as_dict(), "formulas": FORMULAS}
