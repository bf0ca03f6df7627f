"""`minyi triage run|suggestion|board|confirm|correct`: the worker's triage job by hand, and the
dispatcher's review of suggestions (the CLI twin of /api/v1/appeals/{id}/triage...)."""

from __future__ import annotations

import typer

from minyi.cases.queries import reader_view, shown_titles
from minyi.cli.common import clock, database, echo_json, one_line_errors, settings
from minyi.cli.paging import cursor_option, echo_next, total_text
from minyi.cli.triage import app
from minyi.org.service import actor_for_username
from minyi.triage.jobs import triage_pending
from minyi.triage.queries import board, suggestion_of, suggestion_view
from minyi.triage.rules import AWAITING
from minyi.triage.schemas import CorrectIn, PlaceIn
from minyi.triage.service import confirm, correct

AS = typer.Option(..., "--as", help="username of the staff member acting")


@app.command("run")
@one_line_errors
def run(
    limit: int = typer.Option(100, min=1, max=10_000, help="appeals per batch"),
    auto_dispatch: bool | None = typer.Option(
        None, "--auto-dispatch/--no-auto-dispatch", help="default: MINYI_TRIAGE_AUTO_DISPATCH (on)"
    ),
) -> None:
    """Triage every appeal awaiting dispatch now (what the worker does each tick)."""
    s = settings()
    db, total = database(), 0
    while True:
        with db.unit_of_work() as session:
            done = triage_pending(
                session,
                now=clock.now(),
                limit=limit,
                data_dir=s.data_dir,
                auto_dispatch=auto_dispatch,
                options=s.triage,
            )
        total += done
        if done < limit:
            break
    typer.echo(f"triaged {total} appeal(s)")


@app.command("suggestion")
@one_line_errors
def suggestion(case_id: int, actor_name: str = AS) -> None:
    """Print a case's triage suggestion as JSON."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        case, row = suggestion_of(session, case_id, actor)
        echo_json(suggestion_view(row, view=reader_view(session, case, actor)))


@app.command("board")
@one_line_errors
def board_(
    actor_name: str = AS,
    status: str = typer.Option(
        AWAITING, help="awaiting | auto_dispatched | confirmed | corrected | handled"
    ),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(50, min=1, max=200),
    cursor: str | None = cursor_option(),
) -> None:
    """Suggestions awaiting a person, oldest first: case, confidence, suggested unit, why held."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = board(session, actor, status=status, page=page, page_size=page_size, cursor=cursor)
        rows = found.rows
        typer.echo(f"{total_text(found.total)} suggestion(s) {status}")
        titles = shown_titles(session, actor, [c.id for _, c, _ in rows])
        for s, c, _ in rows:
            confidence = f"{s.confidence:.1%}" if s.confidence is not None else "-"
            typer.echo(
                f"{c.id}\t{c.tracking_no}\t{s.label or '-'}\t{confidence}\t{s.lead_unit or '-'}\t"
                f"{s.hold_reason or ''}\t{titles.get(c.id, '')}"
            )
        echo_next(found.next_cursor)


@app.command("confirm")
@one_line_errors
def confirm_(case_id: int, actor_name: str = AS) -> None:
    """Take the suggestion; a case awaiting dispatch is dispatched to the suggested units."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = confirm(session, case_id, actor=actor, now=clock.now())
        typer.echo(f"case {case_id}: suggestion confirmed ({row.lead_unit})")


@app.command("correct")
@one_line_errors
def correct_(
    case_id: int,
    actor_name: str = AS,
    category: str | None = typer.Option(None, help="the right event-dictionary leaf"),
    label: str | None = typer.Option(None, help="the right model label, when it is not a leaf"),
    street: str | None = typer.Option(None),
    community: str | None = typer.Option(None),
    grid: str | None = typer.Option(None),
    lead: str | None = typer.Option(None, "--lead", help="lead unit code"),
    co: list[str] = typer.Option(None, "--co", help="co-unit code; repeat for several"),
    not_accused: list[str] = typer.Option(
        None, "--not-accused", help="unit wrongly excluded as accused"
    ),
    reason: str | None = typer.Option(None),
    dispatch: bool = typer.Option(True, "--dispatch/--no-dispatch"),
) -> None:
    """Correct a suggestion (kept as a training row) and dispatch the case accordingly."""
    # Checked as the API checks its body (lengths, how many units); a bad value exits 2.
    fix = CorrectIn(
        category=category,
        label=label,
        place=PlaceIn(street=street, community=community, grid=grid),
        lead_unit=lead,
        co_units=list(co) if co else None,
        not_accused=list(not_accused or ()),
        reason=reason,
        dispatch=dispatch,
    ).correction()
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = correct(session, case_id, fix, actor=actor, now=clock.now())
        typer.echo(f"case {case_id}: corrected to {row.label or '-'} / {row.lead_unit or '-'}")
