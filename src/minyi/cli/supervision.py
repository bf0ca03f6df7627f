from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors, settings
from minyi.cli.paging import cursor_option, echo_next
from minyi.org.service import actor_for_username
from minyi.supervision.letters import document_for, issue_letter
from minyi.supervision.queries import (
    describe_instructions,
    describe_letters,
    describe_orders,
    describe_tasks,
    get_letter,
    list_instructions,
    list_letters,
    list_orders,
    list_tasks,
)
from minyi.supervision.rules import LetterKind, SuggestionRight
from minyi.supervision.service import (
    close_order,
    complete_task,
    issue_order,
    respond_order,
    write_instruction,
)

app = typer.Typer(
    help="Instructions (批示), supervision orders (督办) and letters (提醒函/建议函/通报).",
    no_args_is_help=True,
)
AS = typer.Option(..., "--as", help="username of the staff member acting")
WITHIN = typer.Option(None, "--within-days", min=1, help="deadline in days from now")
DEADLINE = typer.Option(
    None, "--deadline", help="deadline as an ISO time with zone, e.g. 2026-11-30T18:00+08:00"
)


def _deadline(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(settings().timezone))
    return parsed


@app.command("instruct")
@one_line_errors
def instruct(
    text: str = typer.Option(..., help="the instruction"),
    unit: list[str] = typer.Option(..., help="unit code; repeat for several"),
    case_id: int | None = typer.Option(None, "--case"),
    subject_ref: str | None = typer.Option(None, "--ref", help="another item instructed on"),
    within_days: int | None = WITHIN,
    deadline: str | None = DEADLINE,
    actor_name: str = AS,
) -> None:
    """A leader writes an instruction; each unit gets a task with a clock."""
    now = clock.now()
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        instruction = write_instruction(
            session,
            actor=actor,
            text=text,
            units=unit,
            case_id=case_id,
            subject_ref=subject_ref,
            within_days=within_days,
            deadline=_deadline(deadline),
            now=now,
        )
        echo_json(describe_instructions(session, [instruction], now, actor=actor)[0])


@app.command("instructions")
@one_line_errors
def instructions(
    actor_name: str = AS,
    all_: bool = typer.Option(False, "--all", help="not only your own"),
    case_id: int | None = typer.Option(None, "--case"),
    state: str | None = typer.Option(None, help="open | overdue | done"),
    cursor: str | None = cursor_option(),
) -> None:
    """Instructions with each task's state (a leader's own unless --all)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = list_instructions(
            session,
            actor,
            author_id=None if all_ or case_id else actor.staff_id,
            case_id=case_id,
            state=state,
            page_size=200,
            cursor=cursor,
        )
        echo_json(describe_instructions(session, found.rows, clock.now(), actor=actor))
    echo_next(found.next_cursor, err=True)


@app.command("tasks")
@one_line_errors
def tasks(
    actor_name: str = AS,
    status: str | None = typer.Option(None, help="open | done"),
    cursor: str | None = cursor_option(),
) -> None:
    """Tasks from instructions that you may see (unit staff: their unit's)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = list_tasks(session, actor, status=status, page_size=200, cursor=cursor)
        echo_json(describe_tasks(session, found.rows, clock.now(), actor=actor))
    echo_next(found.next_cursor, err=True)


@app.command("complete-task")
@one_line_errors
def complete(
    task_id: int, result: str = typer.Option(..., help="what the unit did"), actor_name: str = AS
) -> None:
    """The unit reports the result of its task."""
    with database().unit_of_work() as session:
        task = complete_task(
            session,
            task_id,
            actor=actor_for_username(session, actor_name),
            result=result,
            now=clock.now(),
        )
        typer.echo(f"task {task.id}: {task.status}")


@app.command("order")
@one_line_errors
def order(
    reason: str = typer.Option(...),
    case_id: int | None = typer.Option(None, "--case"),
    unit: str | None = typer.Option(None, help="unit code (default: the case's lead unit)"),
    within_days: int | None = WITHIN,
    deadline: str | None = DEADLINE,
    actor_name: str = AS,
) -> None:
    """A supervisor issues a supervision order (督办)."""
    now = clock.now()
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = issue_order(
            session,
            actor=actor,
            reason=reason,
            case_id=case_id,
            unit=unit,
            within_days=within_days,
            deadline=_deadline(deadline),
            now=now,
        )
        echo_json(describe_orders(session, [row], now, actor=actor)[0])


@app.command("orders")
@one_line_errors
def orders(
    actor_name: str = AS,
    status: str | None = typer.Option(None, help="open | responded | closed"),
    cursor: str | None = cursor_option(),
) -> None:
    """Supervision orders you may see."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = list_orders(session, actor, status=status, page_size=200, cursor=cursor)
        echo_json(describe_orders(session, found.rows, clock.now(), actor=actor))
    echo_next(found.next_cursor, err=True)


@app.command("respond")
@one_line_errors
def respond(order_id: int, response: str = typer.Option(...), actor_name: str = AS) -> None:
    """The unit under an order responds to it."""
    with database().unit_of_work() as session:
        row = respond_order(
            session,
            order_id,
            actor=actor_for_username(session, actor_name),
            response=response,
            now=clock.now(),
        )
        typer.echo(f"order {row.id}: {row.status}")


@app.command("close")
@one_line_errors
def close(order_id: int, note: str | None = typer.Option(None), actor_name: str = AS) -> None:
    """The supervisor accepts the response and closes the order."""
    with database().unit_of_work() as session:
        row = close_order(
            session,
            order_id,
            actor=actor_for_username(session, actor_name),
            note=note,
            now=clock.now(),
        )
        typer.echo(f"order {row.id}: {row.status}")


@app.command("letter")
@one_line_errors
def letter(
    kind: LetterKind = typer.Option(...),
    subject: str = typer.Option(..., help="关于{subject}的提醒函"),
    body: str | None = typer.Option(None, help="the body text; or --body-file"),
    body_file: Path | None = typer.Option(None, help="a UTF-8 text file, one paragraph per line"),
    to: str | None = typer.Option(None, "--to", help="addressee unit code"),
    right: SuggestionRight | None = typer.Option(
        None, help="suggestion letters: which of the three rights"
    ),
    case_id: int | None = typer.Option(None, "--case"),
    order_id: int | None = typer.Option(None, "--order"),
    reply_by: str | None = typer.Option(
        None, help="YYYY-MM-DD by which the addressee reports back"
    ),
    out: Path | None = typer.Option(None, help="also write the .docx here"),
    actor_name: str = AS,
) -> None:
    """Issue a numbered letter; prints its number."""
    if (body is None) == (body_file is None):
        fail("give --body or --body-file")
    text = body_file.read_text(encoding="utf-8") if body_file is not None else str(body)
    with database().unit_of_work() as session:
        row = issue_letter(
            session,
            actor=actor_for_username(session, actor_name),
            kind=kind,
            subject=subject,
            body=text,
            addressee_unit=to,
            suggestion_right=right,
            case_id=case_id,
            order_id=order_id,
            reply_by=date.fromisoformat(reply_by) if reply_by else None,
            now=clock.now(),
            tz=ZoneInfo(settings().timezone),
        )
        document, number, letter_id = row.document, row.number, row.id
    if out is not None:
        out.write_bytes(document)
    typer.echo(f"letter {letter_id}: {number}" + (f" -> {out}" if out else ""))


@app.command("letters")
@one_line_errors
def letters(
    actor_name: str = AS,
    kind: LetterKind | None = typer.Option(None),
    year: int | None = typer.Option(None),
    cursor: str | None = cursor_option(),
) -> None:
    """Letters you may see."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = list_letters(
            session,
            actor,
            kind=kind.value if kind else None,
            year=year,
            page_size=200,
            cursor=cursor,
        )
        echo_json(describe_letters(session, found.rows, actor=actor))
    echo_next(found.next_cursor, err=True)


@app.command("letter-get")
@one_line_errors
def letter_get(
    letter_id: int,
    out: Path = typer.Option(..., help="where to write the .docx"),
    actor_name: str = AS,
) -> None:
    """Write an issued letter's document to a file."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        row = get_letter(session, letter_id, actor, with_document=True)
        out.write_bytes(document_for(session, row, actor, tz=ZoneInfo(settings().timezone)))
        typer.echo(f"wrote {out} ({row.number})")


GROUPS = [("supervision", app)]
