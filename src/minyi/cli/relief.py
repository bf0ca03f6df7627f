"""`minyi relief`: 帮扶救助 from the command line: register an application at a window, list and
show applications (as a named reader, through the privacy policy), review, resubmit, record the
payment and the follow-up visit, and the figures over a period."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors, settings
from minyi.core.errors import Invalid
from minyi.org.service import actor_for_username
from minyi.relief.queries import describe, list_applications, service_figures, visible_application
from minyi.relief.schemas import ApplicationIn
from minyi.relief.service import (
    apply_now,
    record_follow_up,
    record_payment,
    resubmit_application,
    review_application,
)

app = typer.Typer(
    help="帮扶救助: relief applications, their reviews, payments, follow-up visits and figures.",
    no_args_is_help=True,
)


def _show(out: dict[str, object]) -> str:
    return (
        f"application {out['id']} {out['ref']}: {out['kind_label']} {out['status_label']}"
        f" case {out['tracking_no'] or '-'}"
    )


def _print(application_id: int, actor_name: str, as_json: bool) -> None:
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        out = describe(
            session, actor, [visible_application(session, actor, application_id)], full=True
        )[0]
    if as_json:
        echo_json(out)
    else:
        typer.echo(_show(out))


@app.command("apply")
@one_line_errors
def apply_(
    name: str = typer.Option(..., help="the applicant's name"),
    phone: str = typer.Option(...),
    address: str = typer.Option(...),
    community: str = typer.Option(..., help="community unit code"),
    kind: str = typer.Option(
        ..., help="subsistence, temporary, medical, education, housing, disability, elderly, other"
    ),
    request: str = typer.Option(..., help="the help asked for"),
    id_number: str | None = typer.Option(None, "--id-number"),
    members: int = typer.Option(1),
    income: str | None = typer.Option(None, help="household income, yuan a month"),
    amount: str | None = typer.Option(None, help="amount requested, yuan"),
    document: list[str] = typer.Option([], help="a document's title; repeat"),
    household: str | None = typer.Option(None, help="grassroots household code"),
    actor_name: str = typer.Option(..., "--as", help="username of the window's staff"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register an application at a window: its case through intake (service relief)."""
    entry = ApplicationIn(
        name=name,
        phone=phone,
        id_number=id_number,
        address=address,
        community=community,
        kind=kind,
        members=members,
        income=income,
        requested_amount=amount,
        request=request,
        documents=document,
        household=household,
    )
    db = database()
    with db.reading() as session:
        actor = actor_for_username(session, actor_name)
    made = apply_now(db, entry, actor=actor, now=clock.now(), tz=ZoneInfo(settings().timezone))
    _print(made.id, actor_name, as_json)


@app.command("list")
@one_line_errors
def list_(
    actor_name: str = typer.Option(..., "--as", help="the reader's username"),
    status: str | None = typer.Option(None),
    mine: bool = typer.Option(False, "--mine", help="only those waiting for my step"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Applications the reader may open, newest first (personal data as the reader may see it)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        total, rows = list_applications(session, actor, status=status, mine=mine)
        items = describe(session, actor, rows)
    if as_json:
        echo_json({"total": total, "items": items})
        return
    for out in items:
        typer.echo(_show(out))
    typer.echo(f"{total} applications")


@app.command("show")
@one_line_errors
def show_(
    application_id: int,
    actor_name: str = typer.Option(..., "--as", help="the reader's username"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One application with its reviews, payment and follow-up."""
    _print(application_id, actor_name, as_json)


@app.command("review")
@one_line_errors
def review_(
    application_id: int,
    step: str = typer.Option(..., help="approve, return or refuse"),
    reason: str | None = typer.Option(None),
    amount: str | None = typer.Option(None, help="the approved amount (the bureau)"),
    repeat_reason: str | None = typer.Option(None, help="confirms paying again (duplicates)"),
    actor_name: str = typer.Option(..., "--as", help="the reviewer's username"),
) -> None:
    """Approve, return for more documents or refuse at the application's current stage."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        visible_application(session, actor, application_id)
        review_application(
            session,
            application_id,
            actor=actor,
            step=step,
            reason=reason,
            amount=amount,
            repeat_reason=repeat_reason,
            now=clock.now(),
        )
    _print(application_id, actor_name, False)


@app.command("resubmit")
@one_line_errors
def resubmit_(
    application_id: int,
    document: list[str] = typer.Option([], help="a document added; repeat"),
    note: str | None = typer.Option(None),
    actor_name: str = typer.Option(..., "--as"),
) -> None:
    """Send a returned application on again with the missing documents."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        visible_application(session, actor, application_id)
        resubmit_application(
            session, application_id, actor=actor, documents=document, note=note, now=clock.now()
        )
    _print(application_id, actor_name, False)


def _day(text: str | None, tz: ZoneInfo) -> date:
    if not text:
        return clock.now().astimezone(tz).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("bad_date", f"日期“{text}”格式不对，请写成 YYYY-MM-DD") from None


@app.command("pay")
@one_line_errors
def pay_(
    application_id: int,
    amount: str = typer.Option(...),
    method: str = typer.Option("bank", help="bank, cash or in_kind"),
    paid_on: str | None = typer.Option(None, help="YYYY-MM-DD (default: today)"),
    repeat_reason: str | None = typer.Option(None, help="confirms paying again (duplicates)"),
    actor_name: str = typer.Option(..., "--as"),
) -> None:
    """Record the payment (the civil-affairs bureau)."""
    tz = ZoneInfo(settings().timezone)
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        visible_application(session, actor, application_id)
        record_payment(
            session,
            application_id,
            actor=actor,
            amount=amount,
            paid_on=_day(paid_on, tz),
            method=method,
            repeat_reason=repeat_reason,
            now=clock.now(),
            tz=tz,
        )
    _print(application_id, actor_name, False)


@app.command("follow-up")
@one_line_errors
def follow_up_(
    application_id: int,
    notes: str = typer.Option(...),
    visited_on: str | None = typer.Option(None, help="YYYY-MM-DD (default: today)"),
    actor_name: str = typer.Option(..., "--as"),
) -> None:
    """Record the follow-up visit; the bureau's reply closes the case."""
    tz = ZoneInfo(settings().timezone)
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        visible_application(session, actor, application_id)
        record_follow_up(
            session,
            application_id,
            actor=actor,
            visited_on=_day(visited_on, tz),
            notes=notes,
            now=clock.now(),
            tz=tz,
        )
    _print(application_id, actor_name, False)


@app.command("figures")
@one_line_errors
def figures_(
    days: int = typer.Option(30, min=1, max=3660, help="the period: the last N days"),
) -> None:
    """The service's figures over the last N days, as JSON."""
    until = clock.now()
    since: datetime = until - timedelta(days=days)
    with database().reading() as session:
        echo_json(service_figures(session, since=since, until=until))


GROUPS = [("relief", app)]
