"""Evaluation: cross-validated or on a held-out set, per class, with the confusion matrix and
the calibration error."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from minyi.core.errors import Invalid
from minyi.triage.classifier.model import Classifier
from minyi.triage.classifier.params import Floats, Params, Threshold
from minyi.triage.classifier.training import (
    apply_threshold,
    threshold_for_precision,
    train_classifier,
)


@dataclass(frozen=True)
class Evaluation:
    labels: list[str]
    n: int
    folds: int | None  # None: scored on a separate test set
    macro_f1: float
    accuracy: float
    per_class: dict[str, dict[str, float]]  # label -> precision, recall, f1, support
    confusion: list[list[int]]  # rows: true label, columns: predicted, in `labels` order
    threshold: Threshold
    ece: float  # expected calibration error of the top confidence, 10 bins
    unknown_labels: list[str] = field(default_factory=list)  # in the data, not in the model

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    k: int = 5,
    seed: int = 0,
    params: Params | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Stratified k-fold: each fold is scored by a model trained, calibrated and thresholded on
    the other folds alone; the auto-dispatch threshold is then chosen on the pooled out-of-fold
    confidences (the same rule `train_classifier` applies to its inner folds)."""
    from sklearn.model_selection import StratifiedKFold

    p = params or Params()
    if len(texts) != len(labels):
        raise Invalid("length_mismatch", f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    y = np.asarray(labels, dtype=object)
    predicted = np.empty(len(y), dtype=object)
    confidence = np.zeros(len(y))
    with warnings.catch_warnings():
        # A label rarer than k cannot sit in every fold; it is scored anyway, as the miss it is.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(
            StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
        )
    for done, (train, test) in enumerate(splits):
        model = train_classifier(
            [texts[i] for i in train], [labels[i] for i in train], seed=seed, params=p
        )
        probs = model.proba_many([texts[i] for i in test])
        predicted[test] = np.asarray(model.labels, dtype=object)[probs.argmax(axis=1)]
        confidence[test] = probs.max(axis=1)
        if progress:
            progress(done + 1, k)
    correct = predicted == y
    return _scores(
        y,
        predicted,
        confidence,
        correct,
        threshold_for_precision(confidence, correct, target=p.target_precision),
        folds=k,
        known=set(counts),
    )


def evaluate_on(classifier: Classifier, texts: Sequence[str], labels: Sequence[str]) -> Evaluation:
    """Score a trained model on a separate test set, at the threshold it was trained with."""
    if len(texts) != len(labels):
        raise Invalid("length_mismatch", f"{len(texts)} texts but {len(labels)} labels")
    if not texts:
        raise Invalid("empty_test_set", "the test set has no labelled rows", field="test")
    probs = classifier.proba_many(texts)
    y = np.asarray(labels, dtype=object)
    predicted = np.asarray(classifier.labels, dtype=object)[probs.argmax(axis=1)]
    confidence = probs.max(axis=1)
    correct = predicted == y
    return _scores(
        y,
        predicted,
        confidence,
        correct,
        apply_threshold(confidence, correct, classifier.threshold),
        folds=None,
        known=set(classifier.labels),
    )


def _scores(
    y: npt.NDArray[Any],
    predicted: npt.NDArray[Any],
    confidence: Floats,
    correct: npt.NDArray[np.bool_],
    threshold: Threshold,
    *,
    folds: int | None,
    known: set[str],
) -> Evaluation:
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    names = sorted(set(y.tolist()) | set(predicted.tolist()))
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted, labels=names, zero_division=0
    )
    true_names = sorted(set(y.tolist()))
    macro = float(f1_score(y, predicted, labels=true_names, average="macro", zero_division=0))
    return Evaluation(
        labels=names,
        n=len(y),
        folds=folds,
        macro_f1=macro,
        accuracy=float(np.mean(correct)),
        per_class={
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(names)
        },
        confusion=confusion_matrix(y, predicted, labels=names).tolist(),
        threshold=threshold,
        ece=expected_calibration_error(confidence, correct),
        unknown_labels=sorted(set(true_names) - known),
    )


def expected_calibration_error(
    confidence: Floats, correct: npt.NDArray[np.bool_], bins: int = 10
) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    if not len(confidence):
        return 0.0
    edges = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in np.unique(edges):
        members = edges == b
        total += members.mean() * abs(
            float(correct[members].mean()) - float(confidence[members].mean())
        )
    return total
