"""`minyi bench clocks`: added to the `minyi bench` group defined in bench.py."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minyi.bench.clocks import run_clocks_bench
from minyi.cli.bench import app as bench_app
from minyi.cli.common import one_line_errors


@bench_app.command("clocks")
@one_line_errors
def clocks(
    db: str = typer.Option(
        ..., "--db", help="sqlite or postgres (a fresh database, dropped after)"
    ),
    cases: int = typer.Option(
        1_000_000, "--cases", min=1000, help="open cases, one running clock each"
    ),
    fire: int = typer.Option(
        100_000, "--fire", min=100, help="clocks made due at once for the firing runs"
    ),
    workers: str = typer.Option(
        "1,4", "--workers", help="worker process counts to try, comma-separated"
    ),
    sweeps: int = typer.Option(50, "--sweeps", min=1),
) -> None:
    """Time one sweep for due clocks over CASES open cases, and firings per second with 1 and 4 workers."""
    if db not in ("sqlite", "postgres"):
        raise typer.BadParameter("--db is sqlite or postgres")
    counts = [int(w) for w in workers.split(",") if w.strip()]
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

        report = run_clocks_bench(db, cases, fire, counts, sweeps, start)
    table = Table(title=f"clocks on {db}: {cases:,} open cases")
    table.add_column("measure")
    table.add_column("result", justify="right")
    table.add_row("sweep for due clocks (median)", f"{report.sweep_median_ms:.2f} ms")
    table.add_row(
        "sweep (p90)", f"{sorted(report.sweep_ms)[int(len(report.sweep_ms) * 0.9) - 1]:.2f} ms"
    )
    for n, rate in report.fired_per_second.items():
        table.add_row(f"firings/s, {n} worker(s), {report.fire:,} due", f"{rate:,.0f}")
    console.print(table)
    rates = " ".join(f"fire_w{n}={rate:.0f}" for n, rate in report.fired_per_second.items())
    console.print(
        f"MINYI clocks db={db} cases={cases} sweep_ms={report.sweep_median_ms:.2f} {rates}"
    )
