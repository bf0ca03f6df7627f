"""`minyi bench triage`: how well and how fast an appeal is triaged.

Quality, on the labelled citizen messages of the gov_messages folder (public TipDM 2020 data,
read by path): macro-F1 by stratified k-fold cross-validation, each fold scored by a model
trained, calibrated and thresholded on the other folds only, and the share of appeals that can
go out automatically at >= 98 % precision (the lowest threshold keeping that precision on the
pooled out-of-fold confidences).

Speed, on the unlabelled test messages as realistic intake: the model is trained on all the
labelled messages, saved and loaded back as in production, then each appeal goes through the
whole triage one at a time: classification, place + complaint targets + unit recommendation
(on the demo district, in a temporary SQLite database), risk flags, and the repeat/crowd check
against a synthetic history of `history` appeals. Parts whose modules are missing or fail to set
up are reported as not timed, never silently dropped. The long-lived heap is frozen out of the
garbage collector's sight before timing, as the triage worker does after its first build.

Memory, three ways: what loading the model allocates (tracemalloc: arrays and Python objects)
and what the history index holds (its arrays, by part); and the resident set (VmRSS) of a fresh
process that loads the model and builds the same history, as the triage worker does, since this
process has trained models and imported scikit-learn. The target (model + history index) is
judged on that fresh process's growth past its imports, the larger and the honest figure.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from minyi.bench.repeats import release_free_memory, rss_mb
from minyi.bench.triage_data import synthetic_appeals
from minyi.core.db import Database
from minyi.taxonomy.service import read_table
from minyi.triage.classifier.data import load_many
from minyi.triage.classifier.evaluation import Evaluation, evaluate
from minyi.triage.classifier.model import Classifier
from minyi.triage.classifier.training import train_classifier
from minyi.triage.repeats.index import HistoryIndex
from minyi.triage.repeats.signals import HistoryRow
from minyi.wiring import build_registry

LABELLED = (("messages_labeled.csv", ("title", "body")), ("messages_labeled_extra.csv", ("text",)))
UNLABELLED = "messages_unlabeled_testset.csv"
TARGETS = {"macro_f1": 0.95, "auto_share": 0.80, "whole_p99_ms": 5.0, "memory_mb": 300.0}
MB = 2**20
HISTORY_START = datetime(2023, 1, 1, tzinfo=UTC)  # synthetic_appeals' default span: 3 years
HISTORY_SPAN = timedelta(days=3 * 365)

Step = Callable[[int], None]


@dataclass
class BenchHooks:
    say: Callable[[str], None]
    start: Callable[[str, int], Step]  # a progress bar: label, total -> advance(n)


@dataclass
class TriageBenchReport:
    n_texts: int
    n_labels: int
    folds: int
    evaluation: Evaluation
    eval_s: float
    train_s: float
    model_bytes: int
    n_latency: int
    history: int
    latency_ms: dict[str, list[float]] = field(
        default_factory=dict
    )  # stage -> one value per appeal
    not_timed: dict[str, str] = field(default_factory=dict)  # stage -> why
    rss_mb: dict[str, float] = field(default_factory=dict)  # moment -> VmRSS
    model_alloc_bytes: int = 0  # what loading the model allocates and keeps (tracemalloc)
    index_bytes: dict[str, int] = field(default_factory=dict)  # part -> bytes
    # A fresh process: moment -> MB, and "full gc ms", one full collection of its heap.
    serving_rss_mb: dict[str, float] = field(default_factory=dict)
    cpu_ms: list[float] = field(default_factory=list)  # the whole triage's own CPU time
    gc_pauses_ms: dict[int, list[float]] = field(default_factory=dict)  # generation -> pauses
    gc_frozen: bool = False

    @property
    def memory_mb(self) -> float | None:
        """Model + history index, as the fresh process grew past its imports."""
        rss = self.serving_rss_mb
        if "model + index" not in rss:
            return None
        return rss["model + index"] - rss["imports"]

    @property
    def allocated_mb(self) -> float:
        """Model + history index, as allocated (tracemalloc, the index's arrays)."""
        return (self.model_alloc_bytes + sum(self.index_bytes.values())) / MB

    def pct(self, stage: str, p: float) -> float:
        values = sorted(self.latency_ms[stage])
        return values[min(len(values) - 1, int(len(values) * p))]

    @property
    def whole_stage(self) -> str:
        return "whole triage" if len(self.latency_ms) > 1 else "classify"

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_texts": self.n_texts,
            "n_labels": self.n_labels,
            "folds": self.folds,
            "macro_f1": self.evaluation.macro_f1,
            "accuracy": self.evaluation.accuracy,
            "per_class": self.evaluation.per_class,
            "confusion": self.evaluation.confusion,
            "labels": self.evaluation.labels,
            "threshold": self.evaluation.threshold.value,
            "auto_share": self.evaluation.threshold.share,
            "auto_precision": self.evaluation.threshold.precision,
            "ece": self.evaluation.ece,
            "eval_s": self.eval_s,
            "train_s": self.train_s,
            "model_mb": self.model_bytes / 1e6,
            "n_latency": self.n_latency,
            "history": self.history,
            "latency_ms": {
                s: {
                    "p50": self.pct(s, 0.5),
                    "p99": self.pct(s, 0.99),
                    "max": max(v),
                    "mean": statistics.fmean(v),
                }
                for s, v in self.latency_ms.items()
            },
            "not_timed": self.not_timed,
            "rss_mb": self.rss_mb,
            "cpu_ms": _spread(self.cpu_ms),
            "gc_frozen": self.gc_frozen,
            "gc_pauses_ms": {str(g): _spread(v) for g, v in self.gc_pauses_ms.items()},
            "model_alloc_mb": self.model_alloc_bytes / MB,
            "index_mb": {part: b / MB for part, b in self.index_bytes.items()},
            "serving_rss_mb": self.serving_rss_mb,
            "memory_mb": self.memory_mb,
            "allocated_mb": self.allocated_mb,
        }

    def machine_line(self) -> str:
        whole, ev = self.whole_stage, self.evaluation
        parts = len(self.latency_ms) - (whole != "classify")
        return (
            f"MINYI triage macro_f1={ev.macro_f1:.4f} auto_share={ev.threshold.share:.4f} "
            f"threshold={ev.threshold.value:.4f} classify_p50_ms={self.pct('classify', 0.5):.3f} "
            f"classify_p99_ms={self.pct('classify', 0.99):.3f} "
            f"whole_p50_ms={self.pct(whole, 0.5):.3f} whole_p99_ms={self.pct(whole, 0.99):.3f} "
            f"whole_parts={parts} model_mb={self.model_bytes / 1e6:.1f} "
            f"model_index_mb={self.memory_mb or 0:.0f} allocated_mb={self.allocated_mb:.0f} "
            f"server_rss_mb={self.serving_rss_mb.get('model + index', 0):.0f} "
            f"rss_peak_mb={self.rss_mb.get('peak', 0):.0f}"
        )


def _spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": ordered[len(ordered) // 2],
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
        "sum": sum(ordered),
    }


def memory_mb() -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of this process, in MB."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out["rss" if key == "VmRSS" else "peak"] = int(value.split()[0]) / 1024
    return out


def serving_probe(model_path: Path, history: int, seed: int) -> dict[str, float]:
    """Run in a fresh process (`python -m minyi.bench.triage MODEL HISTORY SEED`): the resident
    set after the imports, the model and the history index a triage worker holds, each read
    after the freed heap went back to the OS."""
    out = {"imports": rss_mb()}
    model = Classifier.load(model_path)
    model.predict_top("小区门口道路破损积水，请尽快维修", 3)
    out["model loaded"] = rss_mb()
    if history > 0:
        index = synthetic_index(history, seed=seed)
        index.check("13900000000", "小区门口道路破损积水", 1, HISTORY_START + HISTORY_SPAN)
        gc.collect()
        release_free_memory()
        out["model + index"] = rss_mb()
        out["index arrays"] = index.nbytes / MB
    # What one full collection of this heap costs, the stall the worker's gc.freeze avoids.
    t0 = time.perf_counter()
    gc.collect()
    out["full gc ms"] = (time.perf_counter() - t0) * 1000
    return out


def serving_memory_mb(path: Path, history: int, seed: int) -> dict[str, float]:
    """`serving_probe` in a fresh process: this one has trained models and imported
    scikit-learn, which a server never does."""
    probe = subprocess.run(
        [sys.executable, "-m", "minyi.bench.triage", str(path), str(history), str(seed)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    numbers: dict[str, float] = json.loads(probe.stdout.strip().splitlines()[-1])
    return numbers


def synthetic_index(history: int, *, seed: int, step: Step | None = None) -> HistoryIndex:
    """The repeats index of `history` synthetic appeals over three years, loaded in bulk."""
    index = HistoryIndex()
    batch: list[HistoryRow] = []
    for row in synthetic_appeals(history, seed=seed + 7, start=HISTORY_START, span=HISTORY_SPAN):
        batch.append(row)
        if len(batch) == 20_000:
            index.add_many(batch)
            if step:
                step(len(batch))
            batch = []
    index.add_many(batch)
    if step:
        step(len(batch))
    index.compact()
    return index


def labelled_messages(data_dir: Path) -> tuple[list[str], list[str]]:
    return load_many(
        [(data_dir / name, columns) for name, columns in LABELLED], label_column="label1"
    )


def intake_texts(data_dir: Path, n: int) -> list[str]:
    rows = read_table(data_dir / UNLABELLED)
    texts = ["\n".join(v for v in (row.get("title", ""), row.get("body", "")) if v) for row in rows]
    texts = [t for t in texts if t]
    return (texts * (n // max(len(texts), 1) + 1))[:n]


def run_triage_bench(
    data_dir: Path,
    *,
    folds: int = 5,
    n_latency: int = 2000,
    history: int = 1_000_000,
    seed: int = 0,
    gc_freeze: bool = True,
    hooks: BenchHooks,
) -> TriageBenchReport:
    for name in (*(n for n, _ in LABELLED), UNLABELLED):
        if not (data_dir / name).exists():
            raise FileNotFoundError(f"no {name} in {data_dir}")
    texts, labels = labelled_messages(data_dir)
    hooks.say(
        f"{len(texts):,} labelled messages, {len(set(labels))} labels; "
        f"{folds}-fold cross-validation"
    )

    step = hooks.start("cross-validation (folds)", folds)
    t0 = time.perf_counter()
    evaluation = evaluate(texts, labels, k=folds, seed=seed, progress=lambda _done, _total: step(1))
    eval_s = time.perf_counter() - t0

    step = hooks.start("training on all labelled messages", 1)
    t0 = time.perf_counter()
    trained = train_classifier(texts, labels, seed=seed)
    train_s = time.perf_counter() - t0
    step(1)
    with tempfile.TemporaryDirectory(prefix="minyi-bench-triage-") as tmp:
        path = Path(tmp) / "triage-v1.joblib"
        trained.save(path, version=1, trained_at=datetime.now(UTC))
        model_bytes = path.stat().st_size
        del trained
        gc.collect()
        tracemalloc.start()
        model = Classifier.load(path)
        model_alloc = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        step = hooks.start(
            f"fresh process: model + history of {history:,} appeals (server memory)", 1
        )
        serving = serving_memory_mb(path, history, seed)
        step(1)
    gc.collect()

    report = TriageBenchReport(
        n_texts=len(texts),
        n_labels=len(set(labels)),
        folds=folds,
        evaluation=evaluation,
        eval_s=eval_s,
        train_s=train_s,
        model_bytes=model_bytes,
        n_latency=n_latency,
        history=history,
        model_alloc_bytes=model_alloc,
        serving_rss_mb=serving,
        gc_frozen=gc_freeze,
    )
    report.rss_mb["this process, after training"] = memory_mb()["rss"]
    appeals = intake_texts(data_dir, n_latency)
    with tempfile.TemporaryDirectory(prefix="minyi-bench-triage-db-") as tmp:
        stages = _stages(model, Path(tmp), history=history, seed=seed, hooks=hooks, report=report)
        report.rss_mb["with whole triage"] = memory_mb()["rss"]
        _time(stages, appeals, hooks, report)
    report.rss_mb["peak"] = memory_mb()["peak"]
    return report


Stage = Callable[[str, int, dict[str, Any]], Any]


def _time(
    stages: list[tuple[str, Stage]],
    appeals: list[str],
    hooks: BenchHooks,
    report: TriageBenchReport,
) -> None:
    warm = min(50, len(appeals))
    for i, text in enumerate(appeals[:warm]):
        state: dict[str, Any] = {}
        for _, stage in stages:
            stage(text, i, state)
    gc.collect()
    if report.gc_frozen:
        gc.freeze()  # as the triage worker does once its context is built
    samples: dict[str, list[float]] = {name: [] for name, _ in stages}
    whole: list[float] = []
    step = hooks.start("triage, one appeal at a time", len(appeals))
    clock, cpu = time.perf_counter, time.thread_time
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(clock())
        elif started:
            pauses[info["generation"]].append((clock() - started.pop()) * 1000)

    gc.callbacks.append(on_gc)
    try:
        for i, text in enumerate(appeals):
            state = {}
            begin, begin_cpu = clock(), cpu()
            for name, stage in stages:
                t0 = clock()
                stage(text, warm + i, state)
                samples[name].append((clock() - t0) * 1000)
            whole.append((clock() - begin) * 1000)
            report.cpu_ms.append((cpu() - begin_cpu) * 1000)
            if i % 100 == 99:
                step(100)
    finally:
        gc.callbacks.remove(on_gc)
        if report.gc_frozen:
            gc.unfreeze()
    step(len(appeals) % 100)
    report.gc_pauses_ms = pauses
    report.latency_ms.update(samples)
    if len(stages) > 1:
        report.latency_ms["whole triage"] = whole


def _stages(
    model: Classifier,
    tmp: Path,
    *,
    history: int,
    seed: int,
    hooks: BenchHooks,
    report: TriageBenchReport,
) -> list[tuple[str, Stage]]:
    """The classifier, then each other part of triage that can be set up here."""

    def classify(text: str, _i: int, state: dict[str, Any]) -> Any:
        state["top"] = top = model.predict_top(text, 3)
        return top

    stages: list[tuple[str, Stage]] = [("classify", classify)]
    for name, setup in (
        ("place + targets + units", _routing_stage),
        ("risk flags", _risk_stage),
        ("repeats + crowds", _repeats_stage),
    ):
        try:
            stage = setup(
                model=model, tmp=tmp, history=history, seed=seed, hooks=hooks, report=report
            )
        except (
            Exception
        ) as error:  # other triage parts may fail to set up: report it, time the rest
            report.not_timed[name] = f"{type(error).__name__}: {error}".splitlines()[0][:200]
            continue
        if stage is None:
            report.not_timed[name] = "skipped (--history 0)"
            continue
        stages.append((name, stage))
    return stages


def _routing_stage(*, tmp: Path, hooks: BenchHooks, **_: Any) -> Stage:
    from minyi.bootstrap import load_demo, migrate
    from minyi.triage.routing.recommend import load_snapshot, recommend_units

    hooks.say("demo district in a temporary SQLite database, for places and units")
    db = Database(f"sqlite:///{tmp / 'bench.db'}", registry=build_registry())
    try:
        migrate(db)
        load_demo(db, now=datetime.now(UTC))
        with db.reading() as session:
            snapshot = load_snapshot(session)
    finally:
        db.dispose()
    units = snapshot.gazetteer.units
    addresses = [
        f"{units[u.parent_id].name}{u.name}{n % 40 + 1}号"
        for n, u in enumerate(units.values())
        if u.kind == "community" and u.parent_id in units
    ]
    leaves = sorted(snapshot.duty.leaves)
    if not addresses or not leaves:
        raise RuntimeError("the demo district has no communities or no dictionary leaves")

    def route(text: str, i: int, _state: dict[str, Any]) -> Any:
        return recommend_units(
            snapshot,
            leaf_code=leaves[i % len(leaves)],
            text=text,
            address=addresses[i % len(addresses)],
        )

    return route


def _risk_stage(**_: Any) -> Stage:
    from minyi.triage.risk.flags import flag_risks
    from minyi.triage.risk.versions import shipped_lexicon

    lexicon = shipped_lexicon()
    at = HISTORY_START + HISTORY_SPAN

    def risk(text: str, i: int, _state: dict[str, Any]) -> Any:
        return flag_risks(text, lexicon, on=at + timedelta(minutes=i))

    return risk


def _repeats_stage(
    *,
    model: Classifier,
    history: int,
    seed: int,
    hooks: BenchHooks,
    report: TriageBenchReport,
    **_: Any,
) -> Stage | None:
    if history <= 0:
        return None
    step = hooks.start(f"synthetic history of {history:,} appeals (repeats index)", history)
    index = synthetic_index(history, seed=seed, step=step)
    report.index_bytes = index.memory()
    at = HISTORY_START + HISTORY_SPAN
    label_ids = {label: n for n, label in enumerate(model.labels)}

    def repeats(text: str, i: int, state: dict[str, Any]) -> Any:
        top = state.get("top")
        return index.check(
            f"139{i % 50_000:08d}",
            text,
            i % 240,
            at + timedelta(minutes=i),
            matter_id=label_ids[top[0][0]] if top else None,
        )

    return repeats


if __name__ == "__main__":
    numbers = serving_probe(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
    print(json.dumps(numbers))  # noqa: T201 - the probe's answer to its parent
