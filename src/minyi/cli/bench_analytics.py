"""`minyi bench analytics`: added to the `minyi bench` group defined in bench.py."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minyi.bench.analytics import run_analytics_bench
from minyi.cli.bench import app as bench_app
from minyi.cli.common import one_line_errors


@bench_app.command("analytics")
@one_line_errors
def analytics(
    db: str = typer.Option(
        ..., "--db", help="sqlite or postgres (a fresh database, dropped after)"
    ),
    appeals: int = typer.Option(
        1_000_000, "--appeals", min=1000, help="appeals in the synthetic history"
    ),
    days: int = typer.Option(
        1095, "--days", min=30, help="days the history covers (1,095 = three years)"
    ),
    repeats: int = typer.Option(5, "--repeats", min=1),
) -> None:
    """Time the hotspot pass over a day, the early-warning scan and the weekly/monthly assessment."""
    if db not in ("sqlite", "postgres"):
        raise typer.BadParameter("--db is sqlite or postgres")
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 120))
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

        report = run_analytics_bench(db, appeals, days, repeats, start)
    table = Table(
        title=f"analytics on {db}: {appeals:,} appeals over {days} days; {report.day_appeals:,} on {report.day}"
    )
    table.add_column("pass")
    table.add_column("median", justify="right")
    table.add_column("max", justify="right")
    for name, values in report.timings_ms.items():
        table.add_row(name, f"{report.median(name):,.0f} ms", f"{max(values):,.0f} ms")
    table.add_row("filling the history", f"{report.fill_seconds:,.0f} s", "")
    console.print(table)
    figures = " ".join(
        f"{name.split(',')[0].replace(' ', '_')}{i}={report.median(name):.0f}ms"
        for i, name in enumerate(report.timings_ms)
    )
    console.print(
        f"MINYI analytics db={db} appeals={appeals} day_appeals={report.day_appeals} {figures}"
    )
