"""`minyi import cases`, `minyi export cases`, `minyi webhooks …` and `minyi open311 …`."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minyi.cases.queries import case_filter
from minyi.cases.rules import CaseStatus
from minyi.cli.common import clock, database, echo_json, fail, one_line_errors, settings
from minyi.integrations import open311, webhooks
from minyi.integrations.case_export import COLUMNS, export_rows
from minyi.integrations.case_import import ImportRefused, ImportReport, import_cases, load_mapping
from minyi.integrations.schemas import SubscriberIn
from minyi.integrations.tabular import read_rows, write_csv, write_xlsx
from minyi.org.service import actor_for_username

import_app = typer.Typer(help="Import historical cases from CSV or Excel.", no_args_is_help=True)
export_app = typer.Typer(help="Export case lists to CSV or Excel.", no_args_is_help=True)
webhooks_app = typer.Typer(
    help="Webhook subscribers (signed JSON on case events).", no_args_is_help=True
)
open311_app = typer.Typer(help="Open311 GeoReport v2 api_key clients.", no_args_is_help=True)
console = Console()


def _print_report(report: ImportReport, out: Path | None) -> None:
    table = Table(title="导入结果 import")
    for column in ("rows", "created", "already there", "bad rows"):
        table.add_column(column, justify="right")
    table.add_row(str(report.rows), str(report.created), str(report.existing), str(report.bad_rows))
    console.print(table)
    if not report.problems:
        return
    if out is not None:
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["row", "field", "reason"])
            writer.writerows([p.row, p.field, p.reason] for p in report.problems)
        console.print(f"{len(report.problems)} problems written to {out}")
    for p in report.problems[:20]:
        typer.echo(f"row {p.row}\t{p.field}\t{p.reason}")
    if len(report.problems) > 20:
        console.print(f"… and {len(report.problems) - 20} more (--report FILE lists them all)")


@import_app.command("cases")
@one_line_errors
def import_cases_cmd(
    file: Path = typer.Argument(..., help="a .csv or .xlsx file, one case per row"),
    mapping: Path | None = typer.Option(
        None,
        "--mapping",
        help="YAML: columns, defaults, values, timezone (default: the export's columns)",
    ),
    strict: bool = typer.Option(False, help="refuse the whole file if any row is bad"),
    report_file: Path | None = typer.Option(
        None, "--report", help="write every bad row (row, field, reason) to this CSV"
    ),
    actor_name: str = typer.Option("admin", "--as", help="the staff member importing"),
) -> None:
    """Import cases with their registration time and final status. Good rows go in and bad rows
    are listed (exit 1); with --strict any bad row refuses the file (exit 2). Re-running is safe."""
    if not file.exists():
        fail(f"no such file: {file}")
    if mapping is not None and not mapping.exists():
        fail(f"no such mapping file: {mapping}")
    plan = load_mapping(mapping.read_text(encoding="utf-8") if mapping else None)
    _, rows = read_rows(file)
    s = settings()
    db = database()
    progress = Progress(
        TextColumn("导入 {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    try:
        with progress, db.unit_of_work() as session:
            task = progress.add_task(file.name, total=len(rows))
            actor = actor_for_username(session, actor_name)
            report = import_cases(
                session,
                rows,
                mapping=plan,
                actor=actor,
                source=file.name,
                now=clock.now(),
                tz=ZoneInfo(s.timezone),
                strict=strict,
                progress=lambda n: progress.advance(task, n),
            )
    except ImportRefused as refused:
        _print_report(refused.report, report_file)
        fail(refused.message)
    _print_report(report, report_file)
    if report.problems:
        raise typer.Exit(1)


@export_app.command("cases")
@one_line_errors
def export_cases_cmd(
    out: Path = typer.Option(..., "--out", help="the file to write"),
    fmt: str = typer.Option("csv", "--format", help="csv or xlsx"),
    actor_name: str = typer.Option(..., "--as", help="whose scope and masking apply"),
    status: list[CaseStatus] = typer.Option(None, help="repeat for several"),
    unit: str | None = typer.Option(None),
    street: str | None = typer.Option(None),
    community: str | None = typer.Option(None),
    class_name: str | None = typer.Option(None, "--class"),
    channel: str | None = typer.Option(None),
    registered_from: datetime | None = typer.Option(
        None, "--from", formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]
    ),
    registered_to: datetime | None = typer.Option(
        None, "--to", formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]
    ),
    overdue: bool | None = typer.Option(None),
    q: str | None = typer.Option(None),
) -> None:
    """Export the cases the filters select (the same filters as GET /api/v1/appeals)."""
    if fmt not in ("csv", "xlsx"):
        fail("--format must be csv or xlsx")
    tz = ZoneInfo(settings().timezone)

    def local(value: datetime | None) -> datetime | None:
        return value if value is None or value.tzinfo else value.replace(tzinfo=tz)

    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        f = case_filter(
            session,
            status=status,
            unit=unit,
            street=street,
            community=community,
            class_name=class_name,
            channel=channel,
            registered_from=local(registered_from),
            registered_to=local(registered_to),
            overdue=overdue,
            q=q,
        )
        rows = list(export_rows(session, actor, f, tz=tz))
    if fmt == "csv":
        out.write_bytes(b"".join(write_csv(COLUMNS, rows)))
    else:
        out.write_bytes(write_xlsx(COLUMNS, rows))
    typer.echo(f"exported {len(rows)} cases to {out}")


@webhooks_app.command("add")
@one_line_errors
def webhooks_add(
    name: str,
    url: str,
    event: list[str] = typer.Option(
        ..., "--event", help="case.registered, case.dispatch, … or *; repeat"
    ),
    secret: str | None = typer.Option(None, help="16+ characters; generated when left out"),
) -> None:
    """Add a subscriber; prints its secret once."""
    body = SubscriberIn(name=name, url=url, events=event, secret=secret)  # as the API checks it
    with database().unit_of_work() as session:
        row, key = webhooks.add_subscriber(
            session,
            name=body.name,
            url=body.url,
            events=body.events,
            secret=body.secret,
            by="cli",
            now=clock.now(),
        )
        typer.echo(f"subscriber {row.name}: secret {key}")


@webhooks_app.command("list")
@one_line_errors
def webhooks_list() -> None:
    with database().reading() as session:
        echo_json(webhooks.list_subscribers(session))


@webhooks_app.command("remove")
@one_line_errors
def webhooks_remove(name: str) -> None:
    """Switch a subscriber off (its delivery log stays)."""
    with database().unit_of_work() as session:
        webhooks.update_subscriber(session, name=name, is_active=False)
    typer.echo(f"subscriber {name} switched off")


@webhooks_app.command("deliveries")
@one_line_errors
def webhooks_deliveries(
    name: str,
    status: str | None = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=500),
) -> None:
    """The subscriber's delivery log, newest first."""
    with database().reading() as session:
        echo_json(webhooks.deliveries(session, name=name, status=status, limit=limit))


@open311_app.command("add-client")
@one_line_errors
def open311_add(
    name: str,
    queued: bool = typer.Option(False, help="answer with a token and register in the worker"),
    channel: str | None = typer.Option(
        None, help="an existing channel (default: a channel of its own)"
    ),
) -> None:
    """Create an api_key client; prints the key once (only its hash is kept)."""
    with database().unit_of_work() as session:
        client, key = open311.create_client(
            session, name=name, queued=queued, channel=channel, now=clock.now()
        )
        typer.echo(f"client {client.name}: api_key {key}")


@open311_app.command("list-clients")
@one_line_errors
def open311_list() -> None:
    with database().reading() as session:
        echo_json(open311.list_clients(session))


@open311_app.command("revoke")
@one_line_errors
def open311_revoke(name: str) -> None:
    with database().unit_of_work() as session:
        open311.revoke_client(session, name=name, now=clock.now())
    typer.echo(f"client {name} revoked")


GROUPS = [
    ("import", import_app),
    ("export", export_app),
    ("webhooks", webhooks_app),
    ("open311", open311_app),
]
