"""`minyi meetings`: joint meetings (联席会议) from the command line: plan one, list them, offer
hard cases, put cases on the agenda, record a decision with tasks, write the minutes (.docx).
Case texts go through the acting person's privacy view, as on the pages."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors, settings
from minyi.cli.paging import cursor_option, echo_next
from minyi.core.errors import Invalid
from minyi.meetings.documents import render_minutes
from minyi.meetings.queries import (
    candidates,
    describe_meeting,
    get_visible_meeting,
    list_meetings,
    summaries,
)
from minyi.meetings.service import (
    TaskSpec,
    add_to_agenda,
    move_item,
    plan_meeting,
    record_decision,
)
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="联席会议: joint meetings take hard cases and decide tasks for units; minutes (.docx).",
    no_args_is_help=True,
)
AS = typer.Option(..., "--as", help="username of the staff member acting")


def _time(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            "bad_time", f"'{value}' is not a time like 2026-12-08T09:30", field=field
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(settings().timezone))


def _task(value: str) -> TaskSpec:
    parts = value.split("|")
    if len(parts) != 3:
        raise Invalid("bad_task", "a task is UNIT|what to do|2026-12-10T17:00", field="task")
    return TaskSpec(parts[0].strip(), parts[1].strip(), _time(parts[2].strip(), "task"))


@app.command("list")
@one_line_errors
def list_(
    actor_name: str = AS,
    when: str | None = typer.Option(None, help="upcoming or past"),
    cursor: str | None = cursor_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The meetings you may read, latest first (upcoming: soonest first)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = list_meetings(
            session, actor, now=clock.now(), when=when, page_size=200, cursor=cursor
        )
        out = summaries(session, found.rows, actor)
    if as_json:
        echo_json({**found.page_fields(), "items": out})
        return
    echo_next(found.next_cursor, err=True)
    tz = ZoneInfo(settings().timezone)
    for m in out:
        typer.echo(
            f"{m['id']:>5}  {m['starts_at'].astimezone(tz):%Y-%m-%d %H:%M}  {m['status']:<8} "
            f"{m['items']:>3} cases  {m['title']}"
        )


@app.command("plan")
@one_line_errors
def plan(
    actor_name: str = AS,
    level: str = typer.Option(..., help="district (区信联办) or street"),
    title: str = typer.Option(...),
    starts_at: str = typer.Option(..., "--at", help="e.g. 2026-12-08T09:30 (local time)"),
    place: str = typer.Option(...),
    convener: str = typer.Option(..., help="username of the convener"),
    unit: list[str] = typer.Option(..., help="member unit code; repeat for several"),
    street: str | None = typer.Option(None, help="the street's code, for a street meeting"),
) -> None:
    """Plan a joint meeting; prints its id."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        m = plan_meeting(
            session,
            actor=actor,
            level=level,
            street=street,
            title=title,
            starts_at=_time(starts_at, "starts_at"),
            place=place,
            convener=convener,
            units=unit,
            now=clock.now(),
        )
        typer.echo(f"meeting {m.id}: {m.title}, {len(unit)} member units")


@app.command("candidates")
@one_line_errors
def candidates_(
    meeting_id: int,
    actor_name: str = AS,
    limit: int = typer.Option(20),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Hard cases to offer for the meeting's agenda, hardest first."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        meeting = get_visible_meeting(session, meeting_id, actor)
        found = candidates(session, actor, meeting, now=clock.now(), limit=limit)
    if as_json:
        echo_json([asdict(c) for c in found])
        return
    for c in found:
        typer.echo(f"{c.case_id:>12}  {c.tracking_no}  {','.join(c.tags):<24} {c.title}")


@app.command("add")
@one_line_errors
def add(
    meeting_id: int,
    actor_name: str = AS,
    case: int | None = typer.Option(None, help="case id"),
    tracking_no: str | None = typer.Option(None, help="or the case's tracking number"),
) -> None:
    """Put a case at the end of the agenda."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        item = add_to_agenda(
            session, meeting_id, actor=actor, case_id=case, tracking_no=tracking_no, now=clock.now()
        )
        typer.echo(f"item {item.id}: case {item.case_id} at position {item.position}")


@app.command("move")
@one_line_errors
def move(meeting_id: int, item_id: int, position: int, actor_name: str = AS) -> None:
    """Move an agenda item to a position (1 = first)."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        order = move_item(session, meeting_id, item_id, actor=actor, position=position)
        typer.echo("agenda: " + ", ".join(str(i.id) for i in order))


@app.command("decide")
@one_line_errors
def decide(
    meeting_id: int,
    item_id: int,
    actor_name: str = AS,
    decision: str = typer.Option(..., help="what the meeting decided"),
    task: list[str] = typer.Option(
        [], help="UNIT|what to do|2026-12-10T17:00 (local time); repeat for several"
    ),
) -> None:
    """Record the decision on one case; each task goes to its unit's to-do list with a clock."""
    specs = [_task(t) for t in task]
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        record_decision(
            session,
            meeting_id,
            item_id,
            actor=actor,
            decision=decision,
            tasks=specs,
            now=clock.now(),
        )
        typer.echo(f"item {item_id} decided; {len(specs)} task(s) given")


@app.command("show")
@one_line_errors
def show(
    meeting_id: int, actor_name: str = AS, as_json: bool = typer.Option(False, "--json")
) -> None:
    """The meeting with its agenda, decisions and tasks."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        view = describe_meeting(
            session, get_visible_meeting(session, meeting_id, actor), actor, now=clock.now()
        )
    if as_json:
        echo_json(view)
        return
    tz = ZoneInfo(settings().timezone)
    typer.echo(
        f"{view['title']} ({view['level_label']}) {view['starts_at'].astimezone(tz):%Y-%m-%d %H:%M} {view['place']}"
    )
    typer.echo("members: " + "、".join(u["name"] for u in view["members"]))
    for i in view["items"]:
        typer.echo(f"{i['number']}. [{i['id']}] {i['tracking_no']} {i['title']}")
        if i["decision"]:
            typer.echo(f"   decision: {i['decision']}")
        for t in i["tasks"]:
            typer.echo(
                f"   task {t['id']}: {t['unit_name']} {t['text']} by {t['deadline'].astimezone(tz):%Y-%m-%d %H:%M} ({t['state']})"
            )


@app.command("minutes")
@one_line_errors
def minutes(
    meeting_id: int,
    actor_name: str = AS,
    out: Path = typer.Option(..., "--out", help="where to write the .docx"),
) -> None:
    """Write the minutes (会议纪要) as a .docx, each case's text as every member unit may read it."""
    now = clock.now()
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        meeting = get_visible_meeting(session, meeting_id, actor)
        data = describe_meeting(session, meeting, actor, now=now, for_minutes=True)
    out.write_bytes(render_minutes(data, tz=ZoneInfo(settings().timezone), made_at=now))
    typer.echo(f"wrote {out}")


GROUPS = [("meetings", app)]
