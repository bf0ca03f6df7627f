"""Training: the two linear members, Platt scaling on out-of-fold scores, and the threshold
that keeps the target precision."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from minyi.core.errors import Invalid
from minyi.triage.classifier.features import Featuriser
from minyi.triage.classifier.model import Classifier, sigmoid
from minyi.triage.classifier.params import TARGET_PRECISION, Floats, Params, Threshold

if TYPE_CHECKING:
    from scipy import sparse  # type: ignore[import-untyped]
    from sklearn.svm import LinearSVC  # type: ignore[import-untyped]


def train_classifier(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    seed: int = 0,
    params: Params | None = None,
) -> Classifier:
    """Fit on all the texts. Labels with fewer examples than folds are left out (a model cannot
    learn a class from three letters; those appeals go to a person) and listed in `info`.

    The out-of-fold scores of `folds` inner models fit the calibration and the threshold, and
    give an out-of-fold macro-F1 in `info`; `evaluate` is the honest outer estimate."""
    from sklearn.metrics import f1_score  # type: ignore[import-untyped]
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    p = params or Params()
    if len(texts) != len(labels):
        raise Invalid("length_mismatch", f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    skipped = sorted(label for label, n in counts.items() if n < p.folds)
    kept = [i for i, label in enumerate(labels) if counts[label] >= p.folds]
    classes = sorted({labels[i] for i in kept})
    if len(classes) < 2:
        raise Invalid(
            "too_few_classes",
            f"need at least 2 labels with {p.folds}+ examples each, got {len(classes)}",
            field="label",
        )
    x_texts = [texts[i] for i in kept]
    code = {label: j for j, label in enumerate(classes)}
    y = np.asarray([code[labels[i]] for i in kept], dtype=np.intp)

    featuriser = Featuriser.fit(x_texts, p)
    x = featuriser.matrix(x_texts)
    oof = np.zeros((len(y), len(MEMBERS) * len(classes)))
    for train, test in StratifiedKFold(p.folds, shuffle=True, random_state=seed).split(
        np.zeros(len(y)), y
    ):
        coef, intercept = _fit_members(x[train], y[train], len(classes), p, seed)
        oof[test] = x[test] @ coef.T + intercept
    coef, intercept = _fit_members(x, y, len(classes), p, seed)
    platt = np.asarray([_platt(oof[:, j], y == j % len(classes)) for j in range(oof.shape[1])])
    model = Classifier(
        labels=classes,
        featuriser=featuriser,
        weights=np.ascontiguousarray(coef.T, dtype=np.float32),
        intercept=intercept,
        platt=platt,
        threshold=1.0,
        info={},
        members=len(MEMBERS),
    )
    probs = model.calibrate(oof)
    predicted = probs.argmax(axis=1)
    threshold = threshold_for_precision(
        probs.max(axis=1), predicted == y, target=p.target_precision
    )
    model.threshold = threshold.value
    model.info = {
        "n_samples": len(y),
        "n_features": len(featuriser.vocabulary),
        "skipped_labels": skipped,
        "oof_macro_f1": float(f1_score(y, predicted, average="macro")),
        "oof_accuracy": float(np.mean(predicted == y)),
        "auto_share": threshold.share,
        "auto_precision": threshold.precision,
        "params": asdict(p),
        "seed": seed,
    }
    return model


# In the order of their blocks of columns. On the 2,503 public messages (5-fold), a third member
# (ridge, logistic regression, complement NB), jieba word grams, char 3-grams, self-training on
# unlabelled messages and reply-department distant labels all scored equal or lower.
MEMBERS = ("svm", "nbsvm")


def _fit_members(
    x: sparse.csr_matrix, y: npt.NDArray[np.intp], k: int, p: Params, seed: int
) -> tuple[Floats, Floats]:
    """Weights (members x k, grams) and intercepts of the ensemble's linear models."""
    svm = _fit_svm(x, y, p, seed)
    nb_coef, nb_intercept = _fit_nbsvm(x, y, k, p, seed)
    return (
        np.vstack([_svm_coef(svm, k), nb_coef]),
        np.concatenate([_svm_intercept(svm, k), nb_intercept]),
    )


def _fit_nbsvm(
    x: sparse.csr_matrix, y: npt.NDArray[np.intp], k: int, p: Params, seed: int
) -> tuple[Floats, Floats]:
    """NB-SVM one-vs-rest: an SVM on x scaled column-wise by r, the log-ratio of the smoothed
    shares of texts with each gram in and out of the class. Since (x * r) . w = x . (r * w),
    the stored weights are r * w and predicting costs nothing extra."""
    present = (x > 0).astype(np.float64)
    coef = np.zeros((k, x.shape[1]))
    intercept = np.zeros(k)
    for j in range(k):
        inside = y == j
        pos = p.nb_alpha + np.asarray(present[inside].sum(axis=0)).ravel()
        neg = p.nb_alpha + np.asarray(present[~inside].sum(axis=0)).ravel()
        r = np.log(pos / pos.sum()) - np.log(neg / neg.sum())
        svm = _fit_svm(x.multiply(r).tocsr(), inside.astype(np.intp), p, seed)
        coef[j] = r * np.asarray(svm.coef_[0], dtype=np.float64)
        intercept[j] = float(svm.intercept_[0])
    return coef, intercept


def _fit_svm(x: sparse.csr_matrix, y: npt.NDArray[np.intp], p: Params, seed: int) -> LinearSVC:
    from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=p.c, random_state=seed, max_iter=5000)
    with warnings.catch_warnings():
        # liblinear's dual solver stops at max_iter on a few noisy folds; the scores it has are
        # fine for ranking and the calibration absorbs the rest.
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(x, y)
    return svm


def _svm_coef(svm: LinearSVC, k: int) -> Floats:
    coef = np.asarray(svm.coef_, dtype=np.float64)
    return np.vstack([-coef[0], coef[0]]) if k == 2 else coef  # binary: one row, for class 1


def _svm_intercept(svm: LinearSVC, k: int) -> Floats:
    b = np.asarray(svm.intercept_, dtype=np.float64)
    return np.asarray([-b[0], b[0]]) if k == 2 else b


def _platt(scores: Floats, positive: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Platt's sigmoid fit, with his smoothed targets so a separable class does not push the
    slope to infinity (the same fit as scikit-learn's `_sigmoid_calibration`)."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    target = np.where(positive, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(ab: Floats) -> tuple[float, Floats]:
        z = ab[0] * scores + ab[1]
        value = float(np.sum(target * np.logaddexp(0, -z) + (1 - target) * np.logaddexp(0, z)))
        g = sigmoid(z) - target
        return value, np.asarray([float(g @ scores), float(g.sum())])

    start = np.asarray([1.0, math.log((n_pos + 1.0) / (n_neg + 1.0))])
    a, b = minimize(loss, start, jac=True, method="L-BFGS-B").x
    return float(a), float(b)


def threshold_for_precision(
    confidence: Sequence[float] | Floats,
    correct: Sequence[bool] | npt.NDArray[np.bool_],
    *,
    target: float = TARGET_PRECISION,
) -> Threshold:
    """The lowest confidence t such that the items with confidence >= t are at least `target`
    correct, and the share of items at or above it. Ties are never split."""
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    if len(conf) != len(ok):
        raise Invalid("length_mismatch", f"{len(conf)} confidences but {len(ok)} outcomes")
    order = np.argsort(-conf, kind="stable")
    conf, ok = conf[order], ok[order]
    precision = np.cumsum(ok) / np.arange(1, len(ok) + 1)
    ends = np.flatnonzero(np.r_[conf[1:] != conf[:-1], True]) if len(conf) else np.zeros(0, np.intp)
    good = ends[precision[ends] >= target]
    if not len(good):
        return Threshold(value=1.0, share=0.0, precision=1.0)
    last = int(good.max())
    return Threshold(
        value=float(conf[last]), share=(last + 1) / len(conf), precision=float(precision[last])
    )


def apply_threshold(
    confidence: Sequence[float] | Floats,
    correct: Sequence[bool] | npt.NDArray[np.bool_],
    value: float,
) -> Threshold:
    """Share and precision of the items a fixed threshold lets through (e.g. on a test set)."""
    conf = np.asarray(confidence, dtype=np.float64)
    chosen = conf >= value
    n = int(chosen.sum())
    ok = np.asarray(correct, dtype=bool)
    return Threshold(
        value=value,
        share=n / len(conf) if len(conf) else 0.0,
        precision=float(ok[chosen].mean()) if n else 1.0,
    )
