"""`minyi grassroots`: grid and party coverage from the command line: import the places below
the grid (households too), print an area's coverage and its gaps, a building's households, and
choose how a raised grid event is handled."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select

from minyi.cases.models import Case
from minyi.cli.common import clock, database, echo_json, one_line_errors
from minyi.core.errors import NotFound
from minyi.grassroots.models import Building
from minyi.grassroots.queries import (
    coverage_report,
    get_area,
    households_of,
    patrol_figures,
    visible_building,
)
from minyi.grassroots.rules import Coverage, Handling, percent
from minyi.grassroots.schemas import area_out, building_out, household_out
from minyi.grassroots.service import (
    describe_import,
    handle_event,
    import_places,
    read_place_file,
)
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="党建覆盖: roads and buildings below the grid, coverage gaps, patrol figures.",
    no_args_is_help=True,
)


@app.command("import-places")
@one_line_errors
def import_places_(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help="CSV or XLSX: 类型,编码,名称,网格编码,道路编码,地址,户数",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create or update roads and buildings by code; bad rows are listed by line, good rows kept."""
    rows = read_place_file(file.name, file.read_bytes())
    with database().unit_of_work() as session:
        result = describe_import(import_places(session, rows, actor=None))
    if as_json:
        echo_json(result)
        return
    typer.echo(
        f"created {result['created']}, updated {result['updated']}, refused {len(result['errors'])}"
    )
    for e in result["errors"]:
        typer.echo(f"line {e['line']}: {e['message']}")


@app.command("coverage")
@one_line_errors
def coverage_(
    actor_name: str = typer.Option(
        "admin", "--as", help="username of the reader (their area is the default)"
    ),
    area: str | None = typer.Option(None, help="street, community or grid code"),
    gaps: int = typer.Option(
        20, help="how many gaps to list (nobody assigned first, then most overdue)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """An area's coverage: buildings, coverage rate, gaps, patrol figures and 处置率, per child area."""
    now = clock.now()
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        tree, rows, total, grids, roads = coverage_report(
            session, actor, area=area, now=now, gaps_only=True, page_size=gaps
        )
        figures = patrol_figures(session, get_area(session, actor, area), now=now)
        if as_json:
            echo_json(
                {
                    "area": area_out(tree),
                    "children": [area_out(c) for c in tree.children],
                    "gaps": total,
                    "buildings": [building_out(b, grids, roads) for b in rows],
                    "patrols": figures.patrols,
                    "events": figures.events,
                    "disposal_rate": figures.disposal_rate,
                    "whistles": figures.whistles,
                    "whistles_decided": figures.decided,
                    "whistles_answered": figures.answered,
                    "response_rate": figures.response_rate,
                }
            )
            return
        c = tree.counts
        typer.echo(
            f"{tree.name} ({tree.code}): {c.total} buildings, coverage {percent(c.rate)}; "
            f"unassigned {c.unassigned}, overdue {c.overdue}"
        )
        typer.echo(
            f"patrols {figures.patrols}, findings {figures.findings}, grid events {figures.events}, "
            f"disposal rate {percent(figures.disposal_rate)}; grid whistles {figures.whistles}, "
            f"report-in rate {percent(figures.response_rate)}"
        )
        for child in tree.children:
            typer.echo(
                f"  {child.code:<12} {child.name:<16} {child.counts.total:>6} {percent(child.counts.rate):>7}"
            )
        if rows:
            typer.echo(f"gaps ({total}):")
        for b in rows:
            state = (
                "unassigned"
                if b.state is Coverage.UNASSIGNED
                else f"overdue since {b.due_at:%Y-%m-%d}"
                if b.due_at
                else "never visited"
            )
            typer.echo(f"  {b.code:<16} {b.name:<14} {grids.get(b.grid_id, '')}  {state}")


@app.command("households")
@one_line_errors
def households_(
    building: str = typer.Argument(..., help="building code"),
    actor_name: str = typer.Option("admin", "--as", help="username of the reader"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A building's households; heads' names and phones as the reader may see them (privacy)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = session.scalar(select(Building.id).where(Building.code == building))
        if found is None:
            raise NotFound("building_not_found", f"no building '{building}'")
        rows = [
            household_out(h)
            for h in households_of(session, actor, visible_building(session, actor, found))
        ]
    if as_json:
        echo_json(rows)
        return
    for h in rows:
        typer.echo(
            f"{h['code']:<20} {h['room']:<12} {h['head_name'] or '-':<8} "
            f"{h['head_phone'] or '-':<14} {h['members']}"
        )


@app.command("handle")
@one_line_errors
def handle_(
    patrol_id: int = typer.Argument(..., help="the patrol whose raised finding is handled"),
    how: Handling = typer.Option(..., "--how", help="grid | whistle | dispatch"),
    actor_name: str = typer.Option(..., "--as", help="grid, community or street staff"),
    units: list[str] = typer.Option([], "--unit", help="whistle: a department code (repeat)"),
    minutes: int | None = typer.Option(None, "--minutes", help="whistle: report-in clock"),
    solved: str | None = typer.Option(None, "--solved", help="grid: what was done (closes it)"),
) -> None:
    """How the grid handles a raised grid event: 小事一格解决, 网格吹哨, or to the dispatcher."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        patrol = handle_event(
            session,
            patrol_id,
            actor=actor,
            handling=how,
            units=units,
            report_within_minutes=minutes,
            solved=solved,
            now=clock.now(),
        )
        case = session.get(Case, patrol.case_id) if patrol.case_id else None
        typer.echo(
            f"patrol {patrol.id}: {how.value}; case {case.tracking_no if case else '-'} "
            f"{case.status if case else ''}"
            + (f"; whistle {patrol.whistle_id}" if patrol.whistle_id else "")
        )


GROUPS = [("grassroots", app)]
