"""`minyi bench import`: added to the `minyi bench` group defined in bench.py."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minyi.bench.imports import run_import_bench
from minyi.cli.bench import app as bench_app
from minyi.cli.common import one_line_errors


@bench_app.command("import")
@one_line_errors
def import_bench(
    db: str = typer.Option(
        ..., "--db", help="sqlite or postgres (a fresh database, dropped after)"
    ),
    rows: int = typer.Option(20_000, "--rows", min=100, help="historical cases in the CSV"),
) -> None:
    """Import ROWS historical cases, import them again (idempotent), export them to CSV and .xlsx."""
    if db not in ("sqlite", "postgres"):
        raise typer.BadParameter("--db is sqlite or postgres")
    console = Console()
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

        report = run_import_bench(db, rows, start)
    table = Table(title=f"import/export on {db}: {rows:,} cases")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("rows/s", justify="right")
    for step, seconds in report.seconds.items():
        table.add_row(step, f"{seconds:.2f}", f"{report.rate(step):,.0f}")
    console.print(table)
    console.print(f"created {report.created:,}, found again {report.existing:,}")
    rates = " ".join(
        f"{k.replace(' ', '_').replace('-', '_')}={report.rate(k):.0f}" for k in report.seconds
    )
    console.print(f"MINYI import db={db} rows={rows} {rates}")
