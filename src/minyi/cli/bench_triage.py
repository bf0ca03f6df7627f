"""`minyi bench triage`: added to the `minyi bench` group defined in bench.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minyi.cli.bench import app as bench_app
from minyi.cli.common import one_line_errors
from minyi.cli.triage import print_confusion


@bench_app.command("triage")
@one_line_errors
def triage(
    data: Path = typer.Option(
        ..., "--data", help="the gov_messages folder (labelled and unlabelled CSVs)"
    ),
    folds: int = typer.Option(5, "--folds", min=2, max=20),
    texts: int = typer.Option(
        2000, "--texts", min=100, help="unlabelled appeals triaged one at a time for latency"
    ),
    history: int = typer.Option(
        1_000_000, "--history", min=0, help="synthetic appeals in the repeats index (0: skip)"
    ),
    seed: int = typer.Option(0, "--seed"),
    gc_freeze: bool = typer.Option(
        True, "--gc-freeze/--no-gc-freeze", help="freeze the loaded heap out of the GC's sight"
    ),
    json_out: Path | None = typer.Option(
        None, "--json-out", help="also write the results as JSON here"
    ),
) -> None:
    """Classifier quality by k-fold cross-validation, the auto-dispatch share at 98 % precision,
    per-appeal latency of the whole triage (p50/p99), model size and memory."""
    # Imported here: scikit-learn and the other triage parts load only when this bench runs.
    from minyi.bench.triage import TARGETS, BenchHooks, run_triage_bench

    if not data.is_dir():
        raise typer.BadParameter(f"{data} is not a folder", param_hint="--data")
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

        report = run_triage_bench(
            data,
            folds=folds,
            n_latency=texts,
            history=history,
            seed=seed,
            gc_freeze=gc_freeze,
            hooks=BenchHooks(say=lambda m: progress.console.print(m, markup=False), start=start),
        )

    ev = report.evaluation
    per_class = Table(
        title=f"classifier, {folds}-fold cross-validation on {report.n_texts:,} labelled messages"
    )
    for column in ("label", "precision", "recall", "F1", "support"):
        per_class.add_column(column, justify="left" if column == "label" else "right")
    for name in ev.labels:
        c = ev.per_class[name]
        per_class.add_row(
            name,
            f"{c['precision']:.3f}",
            f"{c['recall']:.3f}",
            f"{c['f1']:.3f}",
            f"{c['support']:,}",
        )
    console.print(per_class)
    print_confusion(console, ev)

    def mark(ok: bool) -> str:
        return "[green]met[/]" if ok else "[red]not met[/]"

    whole = report.whole_stage
    summary = Table(title="triage bench")
    for column in ("measure", "result", "target", ""):
        summary.add_column(column, justify="left" if column in ("measure", "") else "right")
    summary.add_row(
        "macro-F1 (out of fold)",
        f"{ev.macro_f1:.4f}",
        f">= {TARGETS['macro_f1']}",
        mark(ev.macro_f1 >= TARGETS["macro_f1"]),
    )
    summary.add_row("accuracy / calibration error", f"{ev.accuracy:.4f} / {ev.ece:.4f}", "", "")
    summary.add_row(
        "auto-dispatched at >= 98 % precision",
        f"{100 * ev.threshold.share:.1f}%",
        f">= {100 * TARGETS['auto_share']:.0f}%",
        mark(ev.threshold.share >= TARGETS["auto_share"]),
    )
    summary.add_row(
        "  confidence threshold / precision",
        f"{ev.threshold.value:.3f} / {100 * ev.threshold.precision:.1f}%",
        "",
        "",
    )
    for stage in report.latency_ms:
        target = f"<= {TARGETS['whole_p99_ms']} ms" if stage == whole else ""
        p99 = report.pct(stage, 0.99)
        summary.add_row(
            f"{stage}: p50 / p99 per appeal",
            f"{report.pct(stage, 0.5):.3f} / {p99:.3f} ms",
            target,
            mark(p99 <= TARGETS["whole_p99_ms"]) if target else "",
        )
    if report.cpu_ms:
        cpu = sorted(report.cpu_ms)
        summary.add_row(
            "  whole triage's own CPU time: p50 / p99",
            f"{cpu[len(cpu) // 2]:.3f} / {cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))]:.3f} ms",
            "",
            "",
        )
    frozen = "heap frozen" if report.gc_frozen else "heap not frozen"
    runs = " / ".join(str(len(report.gc_pauses_ms.get(g, []))) for g in (0, 1, 2))
    longest = max((p for v in report.gc_pauses_ms.values() for p in v), default=0.0)
    summary.add_row(
        f"  GC runs while timing, gen 0/1/2 ({frozen})", f"{runs}, longest {longest:.2f} ms", "", ""
    )
    for stage, why in report.not_timed.items():
        summary.add_row(f"{stage}: not timed", why, "", "")
    summary.add_row("model on disk", f"{report.model_bytes / 1e6:.1f} MB", "", "")
    summary.add_row(
        "memory: model, loaded (allocations)", f"{report.model_alloc_bytes / 2**20:.1f} MB", "", ""
    )
    for part, size in report.index_bytes.items():
        summary.add_row(f"memory: history index, {part}", f"{size / 2**20:.1f} MB", "", "")
    summary.add_row(
        "memory: model + history index (allocations)", f"{report.allocated_mb:.0f} MB", "", ""
    )
    memory_target = TARGETS["memory_mb"]
    memory = report.memory_mb
    summary.add_row(
        "memory: model + history index (server RSS growth)",
        "not measured" if memory is None else f"{memory:.0f} MB",
        f"<= {memory_target:.0f} MB",
        mark(memory is not None and memory <= memory_target),
    )
    for moment, mb in report.serving_rss_mb.items():
        if moment not in ("index arrays", "full gc ms"):
            summary.add_row(f"server process memory ({moment})", f"{mb:,.0f} MB", "", "")
    if "full gc ms" in report.serving_rss_mb:
        pause = report.serving_rss_mb["full gc ms"]
        summary.add_row("server: one full GC of its heap (unfrozen)", f"{pause:.1f} ms", "", "")
    for moment, mb in report.rss_mb.items():
        summary.add_row(f"bench process memory ({moment})", f"{mb:,.0f} MB", "", "")
    summary.add_row(
        "time: cross-validation / final training",
        f"{report.eval_s:.1f} s / {report.train_s:.1f} s",
        "",
        "",
    )
    console.print(summary)
    if json_out:
        json_out.write_bytes(
            orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)
        )
        console.print(f"results written to {json_out}")
    typer.echo(report.machine_line())
