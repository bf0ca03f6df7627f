from __future__ import annotations

from datetime import datetime

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors
from minyi.cli.paging import cursor_option, echo_next, total_text
from minyi.core.errors import Invalid
from minyi.org.service import actor_for_username, unit_by_code
from minyi.whistle.queries import (
    describe_whistles,
    get_visible_whistle,
    list_whistles,
    response_facts,
)
from minyi.whistle.rules import WhistleStatus, response_by_department
from minyi.whistle.service import act_on_summons, blow_whistle, confirm_whistle, report_in

app = typer.Typer(
    help="吹哨联动: summon departments, report in (报到), act, confirm; response rates.",
    no_args_is_help=True,
)
AS = typer.Option(..., "--as", help="username of the staff member acting")


@app.command("blow")
@one_line_errors
def blow(
    actor_name: str = AS,
    unit: list[str] = typer.Option(..., help="department code to summon; repeat for several"),
    description: str = typer.Option(...),
    case: int | None = typer.Option(None, help="the case the whistle is about"),
    place: str | None = typer.Option(None, help="street, community or grid code in your area"),
    address: str | None = typer.Option(None),
    minutes: int | None = typer.Option(None, help="report-in clock in minutes (default 30)"),
) -> None:
    """Blow the whistle (吹哨/发令); prints the whistle's id."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        w = blow_whistle(
            session,
            actor=actor,
            description=description,
            units=unit,
            case_id=case,
            place=place,
            address=address,
            report_within_minutes=minutes,
            now=clock.now(),
        )
        typer.echo(
            f"whistle {w.id}: summoned {', '.join(unit)}; report in within {w.report_minutes} min"
        )


@app.command("report-in")
@one_line_errors
def report_in_(whistle_id: int, actor_name: str = AS) -> None:
    """Report in (报到) for your department."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        s = report_in(session, whistle_id, actor=actor, now=clock.now())
        typer.echo(
            f"whistle {whistle_id}: {actor.unit_code} reported in{'' if s.reported_at and s.reported_at <= s.due_at else ' late'}"
        )


@app.command("act")
@one_line_errors
def act(
    whistle_id: int,
    actor_name: str = AS,
    text: str = typer.Option(..., help="what your department did"),
) -> None:
    """Record what your department did."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        act_on_summons(session, whistle_id, actor=actor, text=text, now=clock.now())
        typer.echo(f"whistle {whistle_id}: {actor.unit_code} acted")


@app.command("confirm")
@one_line_errors
def confirm(
    whistle_id: int,
    actor_name: str = AS,
    unit: str | None = typer.Option(
        None, help="confirm one department; default all (each must have acted)"
    ),
    note: str | None = typer.Option(None),
) -> None:
    """Confirm the departments' work (the issuer's side)."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        w = confirm_whistle(session, whistle_id, actor=actor, unit=unit, note=note, now=clock.now())
        typer.echo(f"whistle {w.id}: {w.status}")


@app.command("show")
@one_line_errors
def show(whistle_id: int, actor_name: str = AS) -> None:
    """One whistle with its summonses, as JSON."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        w = get_visible_whistle(session, whistle_id, actor)
        echo_json(describe_whistles(session, [w], clock.now(), actor=actor)[0])


@app.command("list")
@one_line_errors
def list_(
    actor_name: str = AS,
    status: WhistleStatus | None = typer.Option(None),
    unit: str | None = typer.Option(None, help="only whistles summoning this department"),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(20, min=1, max=200),
    cursor: str | None = cursor_option(),
) -> None:
    """Whistles in scope, newest first."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        unit_id = unit_by_code(session, unit).id if unit else None
        found = list_whistles(
            session,
            actor,
            status=status.value if status else None,
            unit_id=unit_id,
            case_id=None,
            page=page,
            page_size=page_size,
            cursor=cursor,
        )
        typer.echo(f"{total_text(found.total)} whistles")
        for v in describe_whistles(session, found.rows, clock.now(), actor=actor):
            summoned = ",".join(s["unit"] for s in v["summonses"])
            typer.echo(
                f"{v['id']}\t{v['status']}\t{v['issuer_unit']}\t{summoned}\t{v['description'][:40]}"
            )
        echo_next(found.next_cursor)


@app.command("stats")
@one_line_errors
def stats(
    since: str | None = typer.Option(None, help="ISO time with offset"),
    until: str | None = typer.Option(None, help="ISO time with offset"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Per department: summoned, reported in time (响应率), median minutes to report in."""
    with database().reading() as session:
        facts = response_facts(session, since=_aware(since, "since"), until=_aware(until, "until"))
    rows = response_by_department(facts)
    if as_json:
        echo_json([d.as_dict() for d in rows])
        return
    typer.echo("unit\tsummoned\treported\ton_time\trate\tmedian_min\tacted")
    for d in rows:
        median = f"{d.median_minutes:g}" if d.median_minutes is not None else "-"
        typer.echo(
            f"{d.unit} {d.unit_name}\t{d.summoned}\t{d.reported}\t{d.on_time}\t{d.response_rate:.1%}\t{median}\t{d.acted}"
        )


def _aware(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise Invalid("bad_time", f"--{name}: not an ISO time: {text}", field=name) from error
    if value.tzinfo is None:
        raise Invalid("naive_time", f"--{name} needs a UTC offset, e.g. +08:00", field=name)
    return value


GROUPS = [("whistle", app)]
