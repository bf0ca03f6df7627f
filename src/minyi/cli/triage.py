"""`minyi triage`: train, evaluate and version the appeal classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors, settings
from minyi.triage.classifier.data import load_many
from minyi.triage.classifier.evaluation import Evaluation, evaluate, evaluate_on
from minyi.triage.classifier.params import Params
from minyi.triage.classifier.registry import (
    find_model,
    get_model,
    list_models,
    load_model,
    store_classifier,
    use_model,
)
from minyi.triage.classifier.training import train_classifier
from minyi.triage.queries import corrections_for_training

app = typer.Typer(
    help="Triage (智能分拨): the appeal classifier, trained on the district's own history.",
    no_args_is_help=True,
)

DATA_HELP = "labelled .csv or .xlsx export; repeat for several files"
TEXT_HELP = (
    "text columns joined, e.g. title,body; give it once for every file or once per --data, "
    "in the same order"
)


def _columns(spec: str) -> list[str]:
    columns = [c.strip() for c in spec.split(",") if c.strip()]
    if not columns:
        fail("--text names no column")
    return columns


def _sources(data: list[Path], text: list[str]) -> list[tuple[Path, list[str]]]:
    if len(text) not in (1, len(data)):
        fail(
            f"--text given {len(text)} times for {len(data)} --data files: "
            "give it once, or once per file"
        )
    specs = text * len(data) if len(text) == 1 else text
    return [(path, _columns(spec)) for path, spec in zip(data, specs, strict=True)]


def _console() -> Console:
    console = Console()
    # Piped to a file or a log: do not squeeze the tables into 80 columns.
    return console if console.is_terminal else Console(width=max(console.width, 120))


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


@app.command("train")
@one_line_errors
def train(
    data: list[Path] = typer.Option(..., "--data", help=DATA_HELP),
    text: list[str] = typer.Option(..., "--text", help=TEXT_HELP),
    label: str = typer.Option(
        ..., "--label", help="the label column (e.g. an event-dictionary leaf code)"
    ),
    seed: int = typer.Option(0, "--seed"),
    target_precision: float = typer.Option(
        0.98,
        "--target-precision",
        min=0.5,
        max=1.0,
        help="precision the auto-dispatch threshold must keep",
    ),
    with_corrections: bool = typer.Option(
        True,
        "--with-corrections/--without-corrections",
        help="add the dispatchers' corrections (latest per appeal) to the training rows",
    ),
) -> None:
    """Train a new model version on labelled appeals and make it current."""
    sources = _sources(data, text)
    texts, labels = load_many(sources, label_column=label)
    corrections: list[tuple[str, str]] = []
    if with_corrections:
        with database().reading() as session:
            corrections = corrections_for_training(session)
        texts, labels = (
            texts + [t for t, _ in corrections],
            labels + [lab for _, lab in corrections],
        )
        typer.echo(f"with {len(corrections):,} dispatcher correction(s)")
    typer.echo(f"training on {len(texts):,} texts, {len(set(labels))} labels ...")
    # Trained before the transaction opens: a minute of fitting must not hold the write lock.
    model = train_classifier(
        texts, labels, seed=seed, params=Params(target_precision=target_precision)
    )
    training = {
        "sources": [{"path": str(path.resolve()), "text": columns} for path, columns in sources],
        "label_column": label,
        "corrections": len(corrections),
    }
    data_dir = settings().data_dir
    with database().unit_of_work() as session:
        row = store_classifier(
            session, model, data_dir=data_dir, now=clock.now(), training=training
        )
        version, path = row.version, data_dir / row.path
    info = model.info
    typer.echo(
        f"triage model v{version}: {info['n_samples']:,} texts, {len(model.labels)} labels, "
        f"out-of-fold macro-F1 {info['oof_macro_f1']:.3f}; "
        f"auto-dispatch at confidence >= {model.threshold:.3f} ({_percent(info['auto_share'])} "
        f"of appeals at {_percent(info['auto_precision'])} precision)"
    )
    if info["skipped_labels"]:
        shown = ", ".join(info["skipped_labels"][:10]) + (
            " ..." if len(info["skipped_labels"]) > 10 else ""
        )
        typer.echo(f"left out (fewer than {Params().folds} examples, will go to a person): {shown}")
    typer.echo(f"artifact {path} ({path.stat().st_size / 1e6:.1f} MB)")


@app.command("eval")
@one_line_errors
def eval_(
    data: list[Path] = typer.Option(
        None, "--data", help=DATA_HELP + " (default: the current model's)"
    ),
    text: list[str] = typer.Option(None, "--text", help=TEXT_HELP),
    label: str | None = typer.Option(
        None, "--label", help="the label column (default: the current model's)"
    ),
    test: Path | None = typer.Option(
        None, "--test", help="score a model on this file instead of k-fold"
    ),
    version: int | None = typer.Option(
        None, "--version", help="model version for --test (default: current)"
    ),
    folds: int = typer.Option(5, "--folds", min=2, max=20),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="print the evaluation as JSON"),
) -> None:
    """Macro-F1, per-class precision/recall and the confusion matrix: of a model on --test, or
    by k-fold cross-validation of fresh models on the training data."""
    data_dir = settings().data_dir
    with database().reading() as session:
        # A test file is scored by a stored model; k-fold without --data or --label reuses the
        # current model's training files and label column.
        row = (
            get_model(session, version)
            if test is not None or not data
            else find_model(session, version)
        )
    trained: dict[str, Any] = dict(row.metrics) if row is not None else {}
    label = label or trained.get("label_column")
    if label is None:
        fail("--label is needed (no current model to take it from)")
        return
    if test is not None:
        assert row is not None
        columns = (
            _columns(text[0])
            if text
            else list(trained.get("sources", [{}])[0].get("text", ["text"]))
        )
        texts, labels = load_many([(test, columns)], label_column=label)
        result = evaluate_on(load_model(row, data_dir), texts, labels)
        title = f"model v{row.version} on {test.name} ({result.n:,} texts)"
    else:
        if data and not text:
            fail("--text is needed with --data")
        sources = (
            _sources(data, text)
            if data
            else [(Path(s["path"]), list(s["text"])) for s in trained.get("sources", [])]
        )
        texts, labels = load_many(sources, label_column=label)
        result = evaluate(texts, labels, k=folds, seed=seed)
        title = f"{folds}-fold cross-validation on {result.n:,} texts"
    if as_json:
        echo_json(result.as_dict())
        return
    print_evaluation(_console(), result, title=title, on_test=test is not None)


def print_evaluation(console: Console, result: Evaluation, *, title: str, on_test: bool) -> None:
    table = Table(title=title)
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for name in result.labels:
        c = result.per_class[name]
        table.add_row(
            name,
            f"{c['precision']:.3f}",
            f"{c['recall']:.3f}",
            f"{c['f1']:.3f}",
            f"{c['support']:,}",
        )
    console.print(table)
    t = result.threshold
    rule = (
        "at the model's threshold"
        if on_test
        else "lowest threshold keeping the target precision, out of fold"
    )
    console.print(
        f"macro-F1 {result.macro_f1:.4f}   accuracy {result.accuracy:.4f}   "
        f"calibration error {result.ece:.4f}"
    )
    console.print(
        f"auto-dispatch: confidence >= {t.value:.3f} ({rule}): {_percent(t.share)} of appeals, "
        f"precision {_percent(t.precision)}; the rest go to a person"
    )
    if result.unknown_labels:
        console.print(f"labels the model never saw: {', '.join(result.unknown_labels)}")
    print_confusion(console, result)


def print_confusion(console: Console, result: Evaluation, most: int = 20) -> None:
    names, matrix = result.labels, result.confusion
    if len(names) <= most:
        table = Table(title="confusion matrix (rows: true label, columns: predicted)")
        table.add_column("true \\ predicted")
        for j, _ in enumerate(names):
            table.add_column(str(j + 1), justify="right")
        for i, name in enumerate(names):
            table.add_row(
                f"{i + 1} {name}",
                *(
                    f"[bold]{v}[/]" if i == j else (str(v) if v else "·")
                    for j, v in enumerate(matrix[i])
                ),
            )
        console.print(table)
        return
    pairs = sorted(
        (
            (matrix[i][j], names[i], names[j])
            for i in range(len(names))
            for j in range(len(names))
            if i != j and matrix[i][j]
        ),
        reverse=True,
    )[:most]
    table = Table(title=f"the {len(pairs)} most frequent confusions")
    for column in ("true", "predicted", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for count, true, predicted in pairs:
        table.add_row(true, predicted, str(count))
    console.print(table)


@app.command("models")
@one_line_errors
def models() -> None:
    """The trained versions, newest first; * marks the current one."""
    with database().reading() as session:
        rows = list_models(session)
    if not rows:
        typer.echo("no triage model yet: run `minyi triage train`")
        return
    table = Table(title="triage models (* current; F1 and auto-dispatch share out of fold)")
    for column in (
        "version",
        "trained UTC",
        "texts",
        "labels",
        "F1",
        "threshold",
        "auto",
        "sha256",
    ):
        table.add_column(
            column, justify="left" if column in ("trained UTC", "sha256") else "right", no_wrap=True
        )
    for row in rows:
        m = row.metrics
        table.add_row(
            f"{'*' if row.is_current else ''}{row.version}",
            row.created_at.strftime("%Y-%m-%d %H:%M"),
            f"{m.get('n_samples', 0):,}",
            str(len(row.labels)),
            f"{m.get('oof_macro_f1', 0):.3f}",
            f"{row.threshold:.3f}",
            _percent(m.get("auto_share", 0)),
            row.sha256[:12],
        )
    _console().print(table)


@app.command("use")
@one_line_errors
def use(version: int) -> None:
    """Make VERSION the current model (e.g. to roll back a retraining)."""
    with database().unit_of_work() as session:
        row = use_model(session, version)
        typer.echo(f"triage model v{row.version} is current")


@app.command("predict")
@one_line_errors
def predict(
    text: str,
    k: int = typer.Option(3, "--k", min=1, max=20, help="how many labels"),
    version: int | None = typer.Option(None, "--version"),
) -> None:
    """The k likeliest labels of TEXT with their probabilities."""
    with database().reading() as session:
        row = get_model(session, version)
    model = load_model(row, settings().data_dir)
    top = model.predict_top(text, k)
    echo_json(
        {
            "version": row.version,
            "top": [{"label": name, "probability": round(p, 4)} for name, p in top],
            "auto_dispatch": model.is_confident(top),
            "threshold": round(model.threshold, 4),
        }
    )


GROUPS = [("triage", app)]
