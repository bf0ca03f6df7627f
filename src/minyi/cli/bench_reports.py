"""`minyi bench reports`: added to the `minyi bench` group defined in bench.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minyi.bench.reports import ReportBench, run_reports_bench
from minyi.cli.bench import app as bench_app
from minyi.cli.common import one_line_errors


@bench_app.command("reports")
@one_line_errors
def reports(
    appeals: int = typer.Option(
        1_000_000, "--appeals", min=1000, help="appeals in the three-year history"
    ),
    db: str = typer.Option(
        "sqlite,postgres", "--db", help="backends, comma-separated (fresh databases, dropped after)"
    ),
    repeats: int = typer.Option(
        5, "--repeats", min=1, max=50, help="timed runs; medians are reported"
    ),
    out: Path | None = typer.Option(None, "--out", help="write the issued page and PDF here"),
) -> None:
    """Generate a synthetic three-year history, then time the daily report's page and PDF."""
    backends = [b.strip() for b in db.split(",") if b.strip()]
    if not backends or any(b not in ("sqlite", "postgres") for b in backends):
        raise typer.BadParameter("--db takes sqlite and/or postgres")
    console = Console()
    if not console.is_terminal:  # piped to a log: do not squeeze the table into 80 columns
        console = Console(width=max(console.width, 132))
    results: list[ReportBench] = []
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

        for backend in backends:
            results.append(run_reports_bench(backend, appeals, repeats, start, out))
    table = Table(title=f"daily report over {appeals:,} appeals (3 years), medians of {repeats}")
    for column in (
        "db",
        "generate",
        "appeals/s",
        "day's appeals",
        "snapshot+HTML",
        "PDF",
        "pages",
        "issue (all)",
    ):
        table.add_column(column, justify="left" if column == "db" else "right")
    for r in results:
        table.add_row(
            r.db,
            f"{r.generate_s:.0f} s",
            f"{r.rows_per_s:,.0f}",
            f"{r.received:,}",
            f"{r.html_median:.0f} ms",
            f"{r.pdf_median:.0f} ms",
            str(r.pdf_pages),
            f"{r.issue_ms:.0f} ms",
        )
    console.print(table)
    for r in results:
        console.print(
            f"MINYI reports db={r.db} appeals={r.appeals} html_ms={r.html_median:.0f} "
            f"pdf_ms={r.pdf_median:.0f} generate_s={r.generate_s:.0f}"
        )
