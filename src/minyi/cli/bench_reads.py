"""`minyi bench reads`: added to the `minyi bench` group defined in bench.py."""

from __future__ import annotations

from collections.abc import Callable

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minyi.bench.reads import run_reads_bench
from minyi.cli.bench import app as bench_app
from minyi.cli.common import one_line_errors


@bench_app.command("reads")
@one_line_errors
def reads(
    db: str = typer.Option(
        ..., "--db", help="sqlite or postgres (a fresh database, dropped after)"
    ),
    appeals: int = typer.Option(
        100_000, "--appeals", min=1000, help="appeals in the synthetic history"
    ),
    days: int = typer.Option(365, "--days", min=30, help="days the history covers"),
    repeats: int = typer.Option(20, "--repeats", min=1, help="timed runs of each read"),
    reuse: str | None = typer.Option(
        None,
        "--reuse",
        help="time this database's history instead of building one (a URL; kept as it is)",
    ),
    keep: str | None = typer.Option(
        None,
        "--keep",
        help="build the history into this database (a URL; PostgreSQL's is created if missing)"
        " and keep it for --reuse; one that holds a history already is timed as it is",
    ),
    only: str | None = typer.Option(
        None, "--only", help="time only the reads whose name holds this text"
    ),
    skip: str | None = typer.Option(
        None,
        "--skip",
        help="leave out the reads whose name holds this text (e.g. 'old scan' at 10M)",
    ),
    copies: int = typer.Option(
        1,
        "--copies",
        min=1,
        help="copy the history in SQL until it is this many times as large (fresh"
        " ids and tracking numbers, same days); with --keep on a database built before, grows it",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="print the figures as one JSON object instead of the table"
    ),
) -> None:
    """Time the staff reads (case lists, search with and without the index, every board and
    dashboard of every role) and report p50/p95 per read."""
    if db not in ("sqlite", "postgres"):
        raise typer.BadParameter("--db is sqlite or postgres")
    if copies > 1 and reuse:
        raise typer.BadParameter("--copies grows a history it builds or one kept with --keep")
    console = Console(stderr=as_json)
    if not console.is_terminal:
        console = Console(stderr=as_json, width=max(console.width, 120))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:

        def start(label: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(label, total=total)
            return lambda n: progress.advance(task, n)

        report = run_reads_bench(
            db,
            appeals,
            days,
            repeats,
            start,
            reuse=reuse,
            keep=keep,
            only=only,
            skip=skip,
            copies=copies,
        )
    if as_json:
        typer.echo(orjson.dumps(report.as_dict()).decode())
        return
    table = Table(title=f"staff reads on {db}: {report.appeals:,} cases, {repeats} runs each")
    table.add_column("read")
    table.add_column("cases found", justify="right")
    table.add_column("p50", justify="right")
    table.add_column("p95", justify="right")
    for name in report.timings_ms:
        table.add_row(
            name,
            f"{report.hits[name]:,}",
            f"{report.p50(name):,.1f} ms",
            f"{report.p95(name):,.1f} ms",
        )
    if report.fill_seconds:
        table.add_row("filling the history", "", f"{report.fill_seconds:,.0f} s", "")
    table.add_row(
        f"search index back-fill ({report.indexed:,} cases)",
        "",
        f"{report.backfill_seconds:,.1f} s",
        "",
    )
    console.print(table)
    figures = " ".join(
        f"r{i}={report.p50(name):.1f}/{report.p95(name):.1f}ms"
        for i, name in enumerate(report.timings_ms)
    )
    console.print(
        f"MINYI reads db={db} cases={report.appeals} backfill={report.backfill_seconds:.1f}s {figures}"
    )
