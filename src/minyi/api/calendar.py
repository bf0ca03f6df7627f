"""The working-day calendar: read by any staff member, edited by an administrator."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.core.errors import Forbidden
from minyi.org.rules import Actor, Role
from minyi.sla.calendar_service import (
    calendar_status,
    parse_days_csv,
    replace_year,
    set_day,
    today_in_beijing,
    year_view,
)
from minyi.sla.schemas import SetDayIn, StatusOut, YearIn, YearOut

router = APIRouter(prefix="/api/v1", tags=["calendar"], route_class=ApiRoute)
Year = Annotated[int, Path(ge=2000, le=2100, description="a year between 2000 and 2100")]


def _admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("admin_only", "only an administrator may change the calendar")


@router.get(
    "/calendar",
    summary="Which coming years have no official calendar (60 days ahead)",
    response_model=StatusOut,
    responses=refusals(),
)
def status(actor: CurrentActor, session: ReadSession, state: State) -> dict[str, Any]:
    return calendar_status(session, today_in_beijing(state.clock.now()))


@router.get(
    "/calendar/{year}",
    summary="A year's holidays and 调休 working days",
    response_model=YearOut,
    responses=refusals(),
)
def get_year(year: Year, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    return year_view(session, year)


@router.put(
    "/calendar/{year}",
    summary="Replace a year's holidays and 调休 working days (admin)",
    response_model=YearOut,
    responses=refusals(),
)
def put_year(year: Year, body: YearIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    _admin(actor)
    days = [(d.date, d.kind, d.note) for d in body.days]
    with state.db.unit_of_work() as session:
        return replace_year(
            session,
            year,
            days,
            source=body.source,
            note=body.note,
            by=actor.username,
            now=state.clock.now(),
        )


@router.put(
    "/calendar/{year}/csv",
    summary="Replace a year from a CSV file: date,kind[,note], kind holiday or workday (or 休/班) (admin)",
    response_model=YearOut,
    responses=refusals(),
)
def put_year_csv(
    year: Year,
    actor: CurrentActor,
    state: State,
    text: Annotated[str, Body(media_type="text/csv", max_length=40_000)],
    source: Literal["official", "statutory"] = "official",
) -> dict[str, Any]:
    _admin(actor)
    days = parse_days_csv(text, year)
    with state.db.unit_of_work() as session:
        return replace_year(
            session, year, days, source=source, note=None, by=actor.username, now=state.clock.now()
        )


@router.put(
    "/calendar/days/{day}",
    summary="Make one day a holiday, a 调休 workday, or normal again (admin)",
    response_model=YearOut,
    responses=refusals(),
)
def put_day(day: date, body: SetDayIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    _admin(actor)
    with state.db.unit_of_work() as session:
        return set_day(
            session, day, body.kind, note=body.note, by=actor.username, now=state.clock.now()
        )
