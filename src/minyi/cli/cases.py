from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from minyi.cases.queries import (
    CaseFilter,
    case_units,
    get_visible_case,
    page_cases,
    reader_view,
    timeline,
)
from minyi.cases.rules import Action, CaseStatus
from minyi.cases.schemas import ActionIn, event_view, view_of
from minyi.cases.service import act_on_case
from minyi.cli.common import clock, database, echo_json, fail, one_line_errors, settings
from minyi.core.errors import MinyiError
from minyi.core.ids import IdAllocator
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.service import actor_for_username

app = typer.Typer(help="Appeals and their cases.", no_args_is_help=True)
AS = typer.Option(..., "--as", help="username of the staff member acting")


@app.command("submit")
@one_line_errors
def submit(
    file: Path = typer.Argument(
        ..., help="a JSON file with the appeal's fields (as POST /api/v1/appeals)"
    ),
    actor_name: str = AS,
) -> None:
    """Register an appeal from a JSON file; prints its tracking number and, once, its tracking code."""
    if not file.exists():
        fail(f"no such file: {file}")
    item = AppealIn.model_validate(json.loads(file.read_text(encoding="utf-8")))
    db = database()
    ids = IdAllocator(db, "appeals", block=1).take(1)
    with db.unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        [result] = register_appeals(
            session,
            [item],
            actors=[actor],
            ids=ids,
            refs=RefCache(),
            now=clock.now(),
            tz=ZoneInfo(settings().timezone),
        )
        if isinstance(result, MinyiError):
            raise result
    # The tracking code is shown once, as on every receipt: only its digest is stored.
    code = (
        f", tracking code {result.tracking_code}" if result.created and result.tracking_code else ""
    )
    typer.echo(
        f"{'registered' if result.created else 'already registered'}: {result.tracking_no} (case {result.id}){code}"
    )


@app.command("list")
@one_line_errors
def list_(
    actor_name: str = AS,
    status: list[CaseStatus] = typer.Option(None, help="repeat for several"),
    q: str | None = typer.Option(None, help="substring of title, body, phone or tracking number"),
    overdue: bool | None = typer.Option(None),
    cursor: str | None = typer.Option(
        None, help="start after the last case of a page (the 'next:' line the page before printed)"
    ),
    page_size: int = typer.Option(20, min=1, max=200),
) -> None:
    """List the cases the acting staff member may see, newest first, a page at a time: the total
    (exact up to 1,000, then estimated) and, when more follow, the cursor of the next page."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = page_cases(
            session,
            actor,
            CaseFilter(status=status or None, q=q, overdue=overdue),
            cursor=cursor,
            size=page_size,
        )
        assert found.total is not None
        typer.echo(f"{found.total.en()} cases")
        rows = found.rows
        units_of = case_units(session, [c.id for c, _ in rows])
        for case, appeal in rows:
            view = view_of(
                actor,
                case,
                appeal,
                {cu.unit_id for cu, _ in units_of.get(case.id, []) if cu.is_active},
            )
            typer.echo(
                f"{case.id}\t{case.tracking_no}\t{case.status}\t{view.show_text(appeal.title)}"
            )
        if found.next_cursor:
            typer.echo(f"next: --cursor {found.next_cursor}")


@app.command("timeline")
@one_line_errors
def show_timeline(case_id: int, actor_name: str = AS) -> None:
    """Print a case's event log."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        case = get_visible_case(session, case_id, actor)
        view = reader_view(session, case, actor)
        echo_json([event_view(e, s, view=view) for e, s in timeline(session, case_id)])


@app.command("act")
@one_line_errors
def act(
    case_id: int,
    action: Action,
    actor_name: str = AS,
    reason: str | None = typer.Option(None),
    text: str | None = typer.Option(None, help="reply text"),
    note: str | None = typer.Option(None, help="contact/visit record"),
    method: str | None = typer.Option(None, help="contact method"),
    lead_unit: str | None = typer.Option(None),
    co_unit: list[str] = typer.Option(None, help="repeat for several co-units"),
    category: str | None = typer.Option(None),
    rating: str | None = typer.Option(None),
) -> None:
    """Take an action on a case, as POST /api/v1/appeals/{id}/actions/{action} does."""
    body = ActionIn(
        reason=reason,
        text=text,
        note=note,
        method=method,
        lead_unit=lead_unit,
        co_units=co_unit or None,
        category=category,
        rating=rating,
    )
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        case = act_on_case(
            session, case_id, action, actor=actor, payload=body.payload(), now=clock.now()
        )
        typer.echo(f"case {case.id}: {case.status}")


GROUPS = [("appeal", app)]
