"""`minyi bench coverage`: added to the `minyi bench` group defined in bench.py."""

from __future__ import annotations

import typer

from minyi.bench.coverage import run_coverage_bench
from minyi.cli.bench import BenchDb
from minyi.cli.bench import app as bench_app
from minyi.cli.common import one_line_errors


@bench_app.command("coverage")
@one_line_errors
def coverage(
    db: BenchDb = typer.Option(
        ..., "--db", help="sqlite or postgres (a fresh database, dropped after)"
    ),
    buildings: int = typer.Option(
        20_000, "--buildings", min=1000, help="buildings across the demo's 700 grids"
    ),
    days: int = typer.Option(365, "--days", min=1, help="days of patrols"),
    repeats: int = typer.Option(5, "--repeats", min=1, max=50),
) -> None:
    """Time the coverage page, its map and the API's gap list over BUILDINGS buildings and a year of patrols."""
    report = run_coverage_bench(db.value, buildings, days, repeats, lambda s: typer.echo(f"  {s}"))
    typer.echo(
        f"coverage on {report.db}: {report.buildings:,} buildings, {report.patrols:,} patrols (filled in {report.fill_s:.0f} s)"
    )
    for name in report.timings_ms:
        typer.echo(
            f"  {name:<36} median {report.median(name):7.0f} ms   max {max(report.timings_ms[name]):7.0f} ms"
        )
