"""`minyi receptions`: leaders' receptions (下沉接访) from the command line: schedule and publish a
reception day, record it, list receptions, per-leader figures, and 分片包联 links. No command
prints a citizen: who booked is read on the console and the API, through the privacy policy."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors, settings
from minyi.org.service import actor_for_username
from minyi.receptions.queries import describe, leader_figures, list_receptions
from minyi.receptions.rules import parse_slot_text
from minyi.receptions.schemas import figures_out
from minyi.receptions.service import (
    cancel_reception,
    link_area,
    publish_reception,
    record_reception,
    schedule_reception,
    unlink_area,
)

app = typer.Typer(
    help="下沉接访: leaders' reception days, their slots and records, per-leader figures, 分片包联.",
    no_args_is_help=True,
)


@app.command("schedule")
@one_line_errors
def schedule_(
    leader: str = typer.Option(..., help="the leader's username"),
    area: str = typer.Option(..., help="district, street or community code of the place"),
    day: str = typer.Option(..., help="YYYY-MM-DD"),
    slot: list[str] = typer.Option(..., help="'09:00-10:00' or '09:00-10:00x6'; repeat"),
    place: str | None = typer.Option(None, help="the hall (default: the area's service hall)"),
    topic: str | None = typer.Option(None),
    draft: bool = typer.Option(False, "--draft", help="do not publish on the portal yet"),
    actor_name: str = typer.Option("admin", "--as", help="username of the organiser"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Schedule a leader's reception day with its time slots (published unless --draft)."""
    tz = ZoneInfo(settings().timezone)
    on = date.fromisoformat(day)
    slots = [parse_slot_text(s, on, tz) for s in slot]
    now = clock.now()
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        r = schedule_reception(
            session,
            actor=actor,
            leader=leader,
            area=area,
            place=place,
            topic=topic,
            slots=slots,
            publish=not draft,
            now=now,
            tz=tz,
        )
        out = describe(session, [r], now=now)[0]
    if as_json:
        echo_json(out)
        return
    typer.echo(f"reception {out['id']}: {out['day']} {out['place']} ({out['status']})")


@app.command("publish")
@one_line_errors
def publish_(
    reception_id: int, actor_name: str = typer.Option("admin", "--as", help="username")
) -> None:
    """Publish a scheduled reception on the portal."""
    with database().unit_of_work() as session:
        r = publish_reception(
            session, reception_id, actor=actor_for_username(session, actor_name), now=clock.now()
        )
        typer.echo(f"reception {r.id}: {r.status}")


@app.command("cancel")
@one_line_errors
def cancel_(
    reception_id: int, actor_name: str = typer.Option("admin", "--as", help="username")
) -> None:
    """Cancel a reception that has not taken place."""
    with database().unit_of_work() as session:
        r = cancel_reception(
            session, reception_id, actor=actor_for_username(session, actor_name), now=clock.now()
        )
        typer.echo(f"reception {r.id}: {r.status}")


@app.command("record")
@one_line_errors
def record_(
    reception_id: int,
    people: int | None = typer.Option(None, help="people received (default: those marked came)"),
    summary: str | None = typer.Option(None),
    actor_name: str = typer.Option("admin", "--as", help="username"),
) -> None:
    """Record that a reception took place: people received and what it was about."""
    with database().unit_of_work() as session:
        r = record_reception(
            session,
            reception_id,
            actor=actor_for_username(session, actor_name),
            people=people,
            summary=summary,
            now=clock.now(),
        )
        typer.echo(f"reception {r.id}: {r.status}, {r.people} people received")


@app.command("list")
@one_line_errors
def list_(
    actor_name: str = typer.Option("admin", "--as", help="username of the reader"),
    status: str | None = typer.Option(None, help="scheduled, published, held or cancelled"),
    limit: int = typer.Option(50),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Receptions the reader may see, latest day first (no citizen is printed)."""
    now = clock.now()
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        total, rows = list_receptions(session, actor, status=status, page_size=limit)
        out = describe(session, rows, now=now)
    if as_json:
        echo_json({"total": total, "items": out})
        return
    for r in out:
        typer.echo(
            f"{r['id']:>5} {r['day']} {r['status']:<10} {r['leader']}  {r['place']}  "
            f"booked {r['booked']}, received {r['people']}, cases {r['cases']}"
        )


@app.command("figures")
@one_line_errors
def figures_(as_json: bool = typer.Option(False, "--json")) -> None:
    """Per leader: receptions held, people received, cases raised, solved, held, home visits."""
    with database().reading() as session:
        rows = [figures_out(f) for f in leader_figures(session)]
    if as_json:
        echo_json(rows)
        return
    for f in rows:
        typer.echo(
            f"{f['name']:<8} {f['title'] or '':<16} receptions {f['receptions']}, people {f['people']}, "
            f"cases {f['cases']}, solved {f['solved']}, held {f['held']}, home visits {f['home_visits']}"
        )


@app.command("link")
@one_line_errors
def link_(
    leader: str = typer.Option(...),
    area: str = typer.Option(..., help="street or community code"),
    actor_name: str = typer.Option("admin", "--as", help="username"),
) -> None:
    """分片包联: link a leader to a street or community."""
    with database().unit_of_work() as session:
        link_area(session, actor=actor_for_username(session, actor_name), leader=leader, area=area)
    typer.echo(f"{leader} linked to {area}")


@app.command("unlink")
@one_line_errors
def unlink_(
    leader: str = typer.Option(...),
    area: str = typer.Option(..., help="street or community code"),
    actor_name: str = typer.Option("admin", "--as", help="username"),
) -> None:
    """Remove a leader's link to a street or community."""
    with database().unit_of_work() as session:
        done = unlink_area(
            session, actor=actor_for_username(session, actor_name), leader=leader, area=area
        )
    typer.echo(f"{leader} unlinked from {area}" if done else f"{leader} was not linked to {area}")


GROUPS = [("receptions", app)]
