"""`minyi report`: issue the daily report on demand (or a correction), look at issues, write a
leader's instruction on an item, manage the email subscribers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors, settings
from minyi.cli.paging import cursor_option
from minyi.cli.supervision import _deadline
from minyi.org.service import actor_for_username
from minyi.reports.queries import corrections_of, get_issue, issue_view, list_issues, subscribers
from minyi.reports.service import (
    add_subscriber,
    instruct_on_item,
    issue_daily_report,
    remove_subscriber,
)
from minyi.supervision.queries import describe_instructions

app = typer.Typer(help="The daily report (民情日报).", no_args_is_help=True)


def _write(path: Path | None, content: bytes) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


@app.command("daily")
@one_line_errors
def daily(
    day: str = typer.Option(..., "--date", help="the local day reported, YYYY-MM-DD"),
    correct: int | None = typer.Option(
        None, "--correct", min=1, help="issue number (第N期) this corrects"
    ),
    note: str | None = typer.Option(None, "--note", help="what the correction corrects"),
    by: str = typer.Option("cli", "--by", help="who issues it (recorded on the issue)"),
    html_out: Path | None = typer.Option(None, "--html", help="also write the page here"),
    pdf_out: Path | None = typer.Option(None, "--pdf", help="also write the PDF here"),
) -> None:
    """Issue the daily report of DATE now (and mail it to subscribers); --correct N issues a
    correction of issue N, which stays unchanged."""
    reported = date.fromisoformat(day)
    s = settings()
    with database().unit_of_work() as session:
        issue = issue_daily_report(
            session,
            day=reported,
            now=clock.now(),
            tz=ZoneInfo(s.timezone),
            issued_by=by[:60],
            corrects=correct,
            note=note,
        )
        view = issue_view(issue)
        html, pdf = issue.html, issue.pdf
    _write(html_out, html.encode("utf-8"))
    _write(pdf_out, pdf)
    echo_json(view)


@app.command("list")
@one_line_errors
def list_(
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(20, min=1, max=200),
    cursor: str | None = cursor_option(),
) -> None:
    """Issued reports, newest first (`next_cursor`: the next page's --cursor)."""
    with database().reading() as session:
        found = list_issues(session, page=page, page_size=page_size, cursor=cursor)
        issues = found.rows
        fixes = corrections_of(session, [i.id for i in issues])
        echo_json(
            {**found.page_fields(), "items": [issue_view(i, fixes.get(i.id)) for i in issues]}
        )


@app.command("show")
@one_line_errors
def show(
    issue_id: int = typer.Argument(..., help="the issue's id"),
    html_out: Path | None = typer.Option(None, "--html"),
    pdf_out: Path | None = typer.Option(None, "--pdf"),
    items: bool = typer.Option(False, "--items", help="list the item keys leaders may instruct on"),
) -> None:
    """One issue; optionally write its page and PDF, exactly as issued."""
    with database().reading() as session:
        issue = get_issue(
            session, issue_id, with_html=html_out is not None, with_pdf=pdf_out is not None
        )
        view = issue_view(issue, corrections_of(session, [issue.id]).get(issue.id))
        if items:
            view["item_keys"] = issue.snapshot.get("items", {})
        if html_out is not None:
            _write(html_out, issue.html.encode("utf-8"))
        if pdf_out is not None:
            _write(pdf_out, issue.pdf)
    echo_json(view)


@app.command("instruct")
@one_line_errors
def instruct(
    issue_id: int = typer.Option(..., "--report", help="the issue's id"),
    item: str = typer.Option(
        ..., "--item", help="the item's key (see `minyi report show ID --items`)"
    ),
    text: str = typer.Option(..., "--text", help="the instruction (批示)"),
    unit: list[str] = typer.Option(..., "--unit", help="unit code; repeat for several"),
    within_days: int | None = typer.Option(None, "--within-days", min=1),
    deadline: str | None = typer.Option(
        None, "--deadline", help="ISO time, e.g. 2026-11-30T18:00+08:00"
    ),
    actor_name: str = typer.Option(..., "--as", help="the leader's username"),
) -> None:
    """A leader's instruction on an item of an issue: each unit gets a tracked task."""
    now = clock.now()
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        instruction = instruct_on_item(
            session,
            actor=actor,
            issue_id=issue_id,
            item_key=item,
            text=text,
            units=unit,
            within_days=within_days,
            deadline=_deadline(deadline),
            now=now,
        )
        echo_json(describe_instructions(session, [instruction], now, actor=actor)[0])


@app.command("subscribe")
@one_line_errors
def subscribe(email: str, name: str | None = typer.Option(None, "--name")) -> None:
    """Send every issue to EMAIL."""
    with database().unit_of_work() as session:
        s = add_subscriber(session, email=email, name=name, now=clock.now())
        echo_json({"id": s.id, "email": s.email, "name": s.name})


@app.command("unsubscribe")
@one_line_errors
def unsubscribe(email: str) -> None:
    with database().unit_of_work() as session:
        s = remove_subscriber(session, email=email)
        echo_json({"id": s.id, "email": s.email, "active": s.is_active})


@app.command("subscribers")
@one_line_errors
def list_subscribers() -> None:
    with database().reading() as session:
        echo_json([{"id": s.id, "email": s.email, "name": s.name} for s in subscribers(session)])


GROUPS = [("report", app)]
