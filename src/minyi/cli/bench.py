from __future__ import annotations

from enum import Enum
from pathlib import Path

import orjson
import typer

app = typer.Typer(
    help="Benchmarks: speed measured here, never in timed tests.", no_args_is_help=True
)


class BenchDb(str, Enum):
    sqlite = "sqlite"
    postgres = "postgres"


@app.callback()
def _bench() -> None:
    """Benchmarks: speed measured here, never in timed tests."""


@app.command("intake")
def intake(
    db: BenchDb = typer.Option(
        ..., "--db", help="database of the server (with --url: only a label)"
    ),
    n: int = typer.Option(
        5000, "--n", min=1, help="appeals per round (a warm-up of ~2%, at most 200, comes first)"
    ),
    concurrency: int = typer.Option(
        32, "--concurrency", "-c", min=1, max=4096, help="keep-alive connections (closed loop)"
    ),
    url: str | None = typer.Option(
        None, "--url", help="bench a running server instead of starting a fresh one"
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=32, help="server processes (`minyi serve --workers`)"
    ),
    repeats: int = typer.Option(1, "--repeats", min=1, max=50, help="rounds; medians are reported"),
    json_out: Path | None = typer.Option(
        None, "--json-out", help="also write the results as JSON here"
    ),
    data: Path | None = typer.Option(
        None,
        "--data",
        exists=True,
        file_okay=False,
        help="the gov_messages folder: send real citizens' messages instead of the built-in templates",
    ),
    replica: str | None = typer.Option(
        None,
        "--replica",
        help="a streaming replica of MINYI_BENCH_PG_URL's server (postgresql://host:port): the"
        " server is configured with it, as MINYI_DATABASE_REPLICA_URL (--db postgres only)",
    ),
) -> None:
    """POST N appeals to /api/v1/appeals over C connections and report appeals/s and latency.

    Without --url a server is started on a free 127.0.0.1 port with a brand-new database
    (SQLite in a temp dir, or a new PostgreSQL database from MINYI_BENCH_PG_URL, dropped after).
    With --replica it reads its lists on that server's copy of the database and remembers the
    commit position of every group commit (read-your-own-writes), which is what this measures.
    """
    from rich import box
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Table

    from minyi.bench.intake import BenchHooks, IntakeReport, RoundStats, run_intake_bench

    console = Console()
    if not console.is_terminal:  # piped to a log: do not squeeze the table into 80 columns
        console = Console(width=max(console.width, 132))
    progress = Progress(
        TextColumn("[bold]round {task.fields[round]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        refresh_per_second=4,
        transient=False,
    )
    task: list[TaskID] = []

    def round_started(number: int, total: int) -> None:
        task.clear()
        task.append(progress.add_task("intake", total=total, round=number))

    def on_progress(done: int) -> None:
        if task:
            progress.update(task[0], completed=done)

    def round_done(stats: RoundStats) -> None:
        progress.console.print(
            f"round {stats.round}: {stats.rps:,.1f} appeals/s, p50 {stats.p50_ms:.1f} ms, "
            f"p99 {stats.p99_ms:.1f} ms, non-201 {stats.errors}"
            + (
                f", server CPU {stats.server_cpu_ms_per_req:.2f} ms/appeal"
                if stats.server_cpu_ms_per_req is not None
                else ""
            )
            + f", client CPU {stats.client_cpu_ms_per_req:.2f} ms/appeal",
            markup=False,
        )
        if stats.errors:
            progress.console.print(f"  statuses {stats.statuses} failures {stats.failures}")
            for status, body in stats.error_samples.items():
                progress.console.print(f"  HTTP {status}: {body[:300]}", markup=False)

    hooks = BenchHooks(
        say=lambda msg: console.print(msg, markup=False),
        round_started=round_started,
        progress=on_progress,
        round_done=round_done,
    )
    try:
        with progress:
            report: IntakeReport = run_intake_bench(
                db=db.value,
                n=n,
                concurrency=concurrency,
                url=url,
                workers=workers,
                repeats=repeats,
                hooks=hooks,
                data=data,
                replica=replica,
            )
    except (RuntimeError, ValueError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None

    workers_label = str(report.workers) if report.workers is not None else "external"
    table = Table(
        title=f"POST /api/v1/appeals, latency in ms ({report.warmup} warm-up requests per round not counted)",
        caption="workers: server processes · conc: client connections · ok: 201 Created · err: anything else",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0),
    )
    for column in (
        "round",
        "db",
        "workers",
        "conc",
        "requests",
        "ok",
        "err",
        "appeals/s",
        "p50",
        "p95",
        "p99",
        "max",
    ):
        table.add_column(
            column, justify="left" if column in ("round", "db") else "right", no_wrap=True
        )

    def row(label: str, r: RoundStats | None) -> list[str]:
        if r is None:  # the medians line
            req, ok, err = (
                sum(x.requests for x in report.rounds),
                sum(x.ok for x in report.rounds),
                report.non_201,
            )
            vals = [report.median(k) for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms")]
        else:
            req, ok, err = r.requests, r.ok, r.errors
            vals = [r.rps, r.p50_ms, r.p95_ms, r.p99_ms, r.max_ms]
        return [
            label,
            report.db,
            workers_label,
            str(report.concurrency),
            f"{req:,}",
            f"{ok:,}",
            str(err),
            f"{vals[0]:,.1f}",
            *(f"{v:.1f}" for v in vals[1:]),
        ]

    for r in report.rounds:
        table.add_row(*row(str(r.round), r), style="dim" if len(report.rounds) > 1 else None)
    if len(report.rounds) > 1:
        table.add_row(*row("median", None), style="bold")
    console.print(table)
    console.print(f"texts: {report.texts}")
    if report.triage_drain_s is not None:
        console.print(
            f"the worker had triaged every appeal {report.triage_drain_s:.1f} s after the last round"
        )
    if json_out:
        json_out.write_bytes(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2))
        console.print(f"results written to {json_out}")
    typer.echo(report.machine_line())


GROUPS = [("bench", app)]
