"""`minyi markets`: service markets (服务市集 / 赶圩日) from the command line: list them, plan one
from a JSON file, show one with its stalls and matters (people through the privacy policy)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors
from minyi.cli.paging import cursor_option, echo_next, total_text
from minyi.markets import queries
from minyi.markets.rules import percent
from minyi.markets.schemas import EventIn
from minyi.markets.service import StallPlan, plan_event
from minyi.org.models import Unit
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="服务市集/赶圩日: plan service markets, their stalls, matters and figures.",
    no_args_is_help=True,
)
AS = typer.Option("admin", "--as", help="username of the staff member acting or reading")


@app.command("list")
@one_line_errors
def list_(
    when: str | None = typer.Option(None, help="upcoming or held"),
    area: str | None = typer.Option(None, help="street or community code"),
    limit: int = typer.Option(20, min=1, max=200),
    cursor: str | None = cursor_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Markets with their figures: stalls, visitors, opinions, solved and answered on the spot."""
    if when not in (None, "upcoming", "held"):
        fail("--when is upcoming or held")
    with database().reading() as session:
        found = queries.list_events(
            session, now=clock.now(), when=when, area=area, page_size=limit, cursor=cursor
        )
    rows = found.rows
    if as_json:
        echo_json({**found.page_fields(), "items": rows})
        return
    for r in rows:
        typer.echo(
            f"{r['id']}\t{r['starts_at']:%Y-%m-%d %H:%M}\t{r['phase']}\t{r['area']}\t{r['title']}\t"
            f"stalls {r['stalls']}, visitors {r['visitors']}, opinions {r['opinions']}, "
            f"solved {r['solved']}, answered {r['answered']}, passed on {r['passed_on']} "
            f"({r['passed_on_closed']} closed), spot rate {percent(r['spot_rate'])}"
        )
    typer.echo(f"{total_text(found.total)} market(s)")
    echo_next(found.next_cursor)


@app.command("plan")
@one_line_errors
def plan(
    file: Path = typer.Argument(
        ..., help="a JSON file with the market's fields (as POST /api/v1/markets)"
    ),
    actor_name: str = AS,
) -> None:
    """Plan a market: time, place, themes, the stalls and their staff."""
    if not file.exists():
        fail(f"no such file: {file}")
    try:
        body = EventIn.model_validate(json.loads(file.read_text(encoding="utf-8")))
    except ValueError as error:
        fail(f"bad market file: {str(error).splitlines()[0]}")
    with database().unit_of_work() as session:
        event = plan_event(
            session,
            actor=actor_for_username(session, actor_name),
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
            now=clock.now(),
        )
        event_id = event.id
    typer.echo(f"planned market {event_id}")


@app.command("show")
@one_line_errors
def show(
    event_id: int = typer.Argument(...),
    actor_name: str = AS,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One market: figures, stalls and matters (the person as the reader's privacy view shows)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        event = queries.get_event(session, event_id)
        area = session.get(Unit, event.area_id)
        assert area is not None
        out = queries.event_out(
            event, area, clock.now(), queries.event_figures(session, [event.id]).get(event.id)
        )
        stalls = [queries.stall_out(s) for s in queries.stall_rows(session, event.id)]
        matters = queries.matter_rows(session, actor, event_id=event.id)
    if as_json:
        echo_json(out | {"stall_list": stalls, "matters": matters})
        return
    typer.echo(
        f"{out['title']} ({out['phase']}) {out['starts_at']:%Y-%m-%d %H:%M} {out['place']}: "
        f"stalls {out['stalls']}, visitors {out['visitors']}, opinions {out['opinions']}, "
        f"solved {out['solved']}, answered {out['answered']}, passed on {out['passed_on']}, "
        f"spot rate {percent(out['spot_rate'])}"
    )
    for s in stalls:
        typer.echo(f"  stall {s['id']} {s['unit_name']}: {', '.join(s['staff'])}")
    for m in matters:
        what = m["title"] if m["case_id"] else m["question"]
        who = " ".join(x for x in (m["name"], m["phone"]) if x)
        typer.echo(
            f"  {m['outcome']}\t{m['tracking_no'] or '-'}\t{m['status'] or '-'}\t{who}\t{what}"
        )


GROUPS = [("markets", app)]
