"""Classify an appeal's text into the event dictionary, with calibrated confidences.

The model is deliberately plain: TF-IDF over character 1-2-grams (no word segmenter to load,
no out-of-vocabulary words: Chinese appeals are short and full of place names), plus a second,
down-weighted block of the grams of the text's first characters (the title, or where the subject
usually sits), scored by two linear models: a linear SVM and an NB-SVM (Wang & Manning 2012: the
same SVM, one-vs-rest, on features scaled by their naive-Bayes log-count ratio; strong on short
texts). Each model's scores become probabilities by Platt scaling per class fitted on out-of-fold
scores (what scikit-learn's `CalibratedClassifierCV(method="sigmoid", ensemble=False)` does),
and the two models' probabilities are averaged: they err on different appeals, so the average
ranks confidence better than either. Below the confidence threshold an appeal goes to a person;
the threshold is the lowest one that kept out-of-fold precision at or above the target (98 %).
Both models are linear in the same features, so the artifact is one weight matrix.

Training uses scikit-learn; the stored artifact holds only arrays and the vocabulary, and one
text is scored with a few numpy operations, so prediction stays well under a millisecond and an
artifact survives a scikit-learn upgrade. scikit-learn and SciPy are imported inside the
training and evaluation functions, not at the top: a server or CLI process that only predicts
would otherwise pay about a second and 100 MB of memory for them. The classifier is
label-agnostic: the same code trains on a district's event-dictionary leaf codes or on any other
labelled history.

The second half of the module is the model registry: versioned artifacts under
`data_dir/models/`, one `triage_models` row each, and the current model cached per process.
"""

from __future__ import annotations

import hashlib
import json
import math
import operator
import os
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib  # type: ignore[import-untyped]  # no type information
import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.taxonomy.service import read_table
from minyi.triage.models import TriageModel
from minyi.triage.text import normalise

if TYPE_CHECKING:
    from scipy import sparse  # type: ignore[import-untyped]
    from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

FORMAT = 2  # bump when the artifact layout changes; load() refuses other formats
TARGET_PRECISION = 0.98
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Params:
    """Training settings, kept in the artifact so a model says how it was made."""

    ngram_max: int = 2  # character 1..n-grams; with 3, macro-F1 here was 0.006 lower
    min_df: int = 2  # a gram seen once is noise (a name, a typo) and would only grow the vocabulary
    max_features: int = 150_000  # bounds the artifact: labels x grams x 4 bytes
    max_chars: int = 2_000  # the start of a long letter carries its subject; bounds p99 latency
    c: float = 1.0  # SVM regularisation; 0.3-10 all scored within 0.005 macro-F1 here
    head_chars: int = 30  # the first characters get their own grams: the title, or a proxy for it
    head_weight: float = 0.5  # length of the head block next to the body's unit vector
    nb_alpha: float = 1.0  # NB-SVM count smoothing
    folds: int = 5  # inner folds for the out-of-fold scores that calibrate and set the threshold
    target_precision: float = TARGET_PRECISION


@dataclass(frozen=True)
class Threshold:
    """Auto-dispatch when the top confidence is at least `value`; `share` of the items did so,
    with `precision` among them. value 1.0 and share 0 mean no threshold reached the target."""

    value: float
    share: float
    precision: float


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


HEAD = " "  # prefix of the head block's grams in the vocabulary: normalised text has no spaces


class Featuriser:
    """Text -> sublinear TF-IDF of character grams, for one text or many: a unit vector of the
    whole text's grams and, next to it, one of length `head_weight` of its first `head_chars`
    characters' grams (keys prefixed with HEAD, sharing the one vocabulary, ids from
    `head_start` on)."""

    __slots__ = (
        "head_chars",
        "head_start",
        "head_weight",
        "idf",
        "max_chars",
        "ngram_max",
        "vocabulary",
    )

    def __init__(
        self,
        vocabulary: dict[str, int],
        idf: Floats,
        *,
        ngram_max: int,
        max_chars: int,
        head_chars: int = 0,
        head_weight: float = 0.0,
        head_start: int | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.ngram_max = ngram_max
        self.max_chars = max_chars
        self.head_chars = head_chars
        self.head_weight = head_weight
        self.head_start = len(idf) if head_start is None else head_start

    def chars(self, text: str) -> str:
        # Cut before normalising too (whitespace is at most a few percent of a letter) so a
        # pasted 100-page document costs no more than a long letter.
        return normalise(text[: self.max_chars * 2])[: self.max_chars]

    def grams(self, text: str) -> list[str]:
        return self._grams(self.chars(text))

    def head_grams(self, text: str) -> list[str]:
        return [HEAD + g for g in self._grams(self.chars(text)[: self.head_chars])]

    def _grams(self, chars: str) -> list[str]:
        grams = list(chars)
        if self.ngram_max >= 2:
            grams += map(operator.add, chars, chars[1:])
        for n in range(3, self.ngram_max + 1):
            grams += [chars[i : i + n] for i in range(len(chars) - n + 1)]
        return grams

    def vector(self, text: str) -> tuple[npt.NDArray[np.intp], Floats]:
        """Column ids and weights of one text's known grams."""
        chars = self.chars(text)
        grams = self._grams(chars)
        with_head = self.head_start < len(self.idf)
        if with_head:
            # Both blocks in one pass: numpy's per-call overhead dominates at this size.
            grams += [HEAD + g for g in self._grams(chars[: self.head_chars])]
        counts = Counter(grams)
        ids = np.fromiter(
            map(self.vocabulary.get, counts, repeat(-1)), dtype=np.intp, count=len(counts)
        )
        known = ids >= 0
        index = ids[known]
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[known]
        values = (np.log(tf) + 1.0) * self.idf[index]
        if not with_head:
            norm = math.sqrt(float(values @ values))
            return index, (values / norm if norm else values)
        head = index >= self.head_start
        squares = values * values
        head_norm = math.sqrt(float(squares[head].sum()))
        body_norm = math.sqrt(max(float(squares.sum()) - head_norm * head_norm, 0.0))
        scale = np.where(
            head,
            self.head_weight / head_norm if head_norm else 0.0,
            1.0 / body_norm if body_norm else 0.0,
        )
        return index, values * scale

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        from scipy import sparse

        indptr = [0]
        indices: list[npt.NDArray[np.intp]] = []
        data: list[Floats] = []
        for text in texts:
            index, values = self.vector(text)
            indices.append(index)
            data.append(values)
            indptr.append(indptr[-1] + len(index))
        return sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(indices) if indices else np.zeros(0, np.intp),
                indptr,
            ),
            shape=(len(texts), len(self.vocabulary)),
        )

    @classmethod
    def fit(cls, texts: Sequence[str], params: Params) -> Featuriser:
        from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

        probe = cls(
            {},
            np.zeros(0),
            ngram_max=params.ngram_max,
            max_chars=params.max_chars,
            head_chars=params.head_chars,
        )

        def fit(analyzer: Callable[[str], list[str]]) -> TfidfVectorizer:
            options = {"analyzer": analyzer, "sublinear_tf": True}
            try:
                return TfidfVectorizer(
                    **options, min_df=params.min_df, max_features=params.max_features
                ).fit(texts)
            except ValueError:  # min_df pruned everything: a tiny training set
                return TfidfVectorizer(**options, max_features=params.max_features).fit(texts)

        body = fit(probe.grams)
        vocabulary = {str(g): int(j) for g, j in body.vocabulary_.items()}
        head_start = len(vocabulary)
        idf = [np.asarray(body.idf_, dtype=np.float64)]
        use_head = params.head_chars > 0 and params.head_weight > 0
        if use_head:
            head = fit(probe.head_grams)
            vocabulary |= {str(g): int(j) + head_start for g, j in head.vocabulary_.items()}
            idf.append(np.asarray(head.idf_, dtype=np.float64))
        return cls(
            vocabulary,
            np.concatenate(idf),
            ngram_max=params.ngram_max,
            max_chars=params.max_chars,
            head_chars=params.head_chars if use_head else 0,
            head_weight=params.head_weight if use_head else 0.0,
            head_start=head_start,
        )


class Classifier:
    """A trained model: `predict_top(text)` gives the k likeliest labels with probabilities.

    `members` linear models share the features; their scores sit side by side (member-major)
    in `weights`, `intercept` and `platt`, and their calibrated probabilities are averaged."""

    __slots__ = (
        "featuriser",
        "info",
        "intercept",
        "labels",
        "members",
        "platt",
        "threshold",
        "weights",
    )

    def __init__(
        self,
        *,
        labels: Sequence[str],
        featuriser: Featuriser,
        weights: npt.NDArray[np.float32],
        intercept: Floats,
        platt: Floats,
        threshold: float,
        info: dict[str, Any],
        members: int = 1,
    ) -> None:
        self.labels = tuple(labels)
        self.featuriser = featuriser
        self.members = members
        # (grams, members x labels), row per gram so one text gathers few rows
        self.weights = weights
        self.intercept = intercept
        # (members x labels, 2): p_mk ~ sigmoid(a_mk * score_mk + b_mk), normalised per member
        self.platt = platt
        self.threshold = threshold
        self.info = info

    def scores(self, text: str) -> Floats:
        index, values = self.featuriser.vector(text)
        return values @ self.weights[index] + self.intercept

    def calibrate(self, scores: Floats) -> Floats:
        p = sigmoid(scores * self.platt[:, 0] + self.platt[:, 1])
        p = p.reshape(*p.shape[:-1], self.members, len(self.labels))
        total = p.sum(axis=-1, keepdims=True)
        return (p / np.where(total > 0, total, 1.0)).mean(axis=-2)

    def proba(self, text: str) -> Floats:
        return self.calibrate(self.scores(text))

    def proba_many(self, texts: Sequence[str]) -> Floats:
        if not texts:
            return np.zeros((0, len(self.labels)))
        return np.vstack([self.proba(text) for text in texts])

    def predict_top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        p = self.proba(text)
        order = np.argsort(-p, kind="stable")[:k]
        return [(self.labels[i], float(p[i])) for i in order]

    def is_confident(self, top: Sequence[tuple[str, float]]) -> bool:
        """Whether the best guess may be dispatched without a person looking at it."""
        return bool(top) and top[0][1] >= self.threshold

    def save(self, path: Path, *, version: int, trained_at: datetime) -> str:
        """Write the artifact (atomically) and its JSON sidecar; returns the artifact's sha256."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": FORMAT,
            "labels": list(self.labels),
            "vocabulary": self.featuriser.vocabulary,
            "idf": self.featuriser.idf,
            "ngram_max": self.featuriser.ngram_max,
            "max_chars": self.featuriser.max_chars,
            "head_chars": self.featuriser.head_chars,
            "head_weight": self.featuriser.head_weight,
            "head_start": self.featuriser.head_start,
            "members": self.members,
            "weights": self.weights,
            "intercept": self.intercept,
            "platt": self.platt,
            "threshold": self.threshold,
            "info": self.info,
        }
        partial = path.with_name(path.name + ".partial")
        joblib.dump(payload, partial, compress=3)
        os.replace(partial, path)
        digest = file_sha256(path)
        sidecar = {
            "version": version,
            "trained_at": trained_at.isoformat(),
            "labels": list(self.labels),
            "threshold": self.threshold,
            "sha256": digest,
            "artifact": path.name,
            "format": FORMAT,
            **self.info,
        }
        sidecar_path(path).write_text(
            json.dumps(sidecar, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return digest

    @classmethod
    def load(cls, path: Path, *, sha256: str | None = None) -> Classifier:
        """Read an artifact; with `sha256` (or a sidecar next to it) the file must match it
        before it is unpickled, since a joblib file can run code."""
        if not path.exists():
            raise NotFound("model_not_found", f"no model artifact at {path}")
        expected = sha256
        if expected is None and sidecar_path(path).exists():
            expected = json.loads(sidecar_path(path).read_text(encoding="utf-8")).get("sha256")
        if expected is not None and file_sha256(path) != expected:
            raise Conflict(
                "model_tampered", f"model artifact {path} does not match its recorded sha256"
            )
        payload = joblib.load(path)
        if payload.get("format") != FORMAT:
            raise Invalid(
                "model_format",
                f"model artifact {path} has format {payload.get('format')}, expected {FORMAT}",
            )
        featuriser = Featuriser(
            payload["vocabulary"],
            payload["idf"],
            ngram_max=payload["ngram_max"],
            max_chars=payload["max_chars"],
            head_chars=payload["head_chars"],
            head_weight=payload["head_weight"],
            head_start=payload["head_start"],
        )
        return cls(
            labels=payload["labels"],
            featuriser=featuriser,
            weights=payload["weights"],
            intercept=payload["intercept"],
            platt=payload["platt"],
            threshold=payload["threshold"],
            info=payload["info"],
            members=payload["members"],
        )


def sigmoid(z: Floats) -> Floats:
    """1 / (1 + e^-z) without overflow warnings for large |z|."""
    return np.exp(-np.logaddexp(0.0, -z))


def sidecar_path(path: Path) -> Path:
    return path.with_suffix(".json")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- training -----------------------------------------------------------------------------------


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


# --- evaluation ---------------------------------------------------------------------------------


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


# --- data files ---------------------------------------------------------------------------------


def load_labelled(
    path: Path, *, text_columns: Sequence[str], label_column: str
) -> tuple[list[str], list[str]]:
    """Texts (the named columns joined) and labels from a .csv or .xlsx export. Rows without a
    label or without any text are skipped: an unlabelled row teaches nothing."""
    rows = read_table(path)
    if rows:
        missing = [c for c in (*text_columns, label_column) if c not in rows[0]]
        if missing:
            raise Invalid(
                "missing_columns",
                f"{path.name} has no column {', '.join(missing)} (it has: {', '.join(rows[0])})",
                field="text",
            )
    texts: list[str] = []
    labels: list[str] = []
    for row in rows:
        text = "\n".join(row[c] for c in text_columns if row[c])
        label = row[label_column]
        if text and label:
            texts.append(text)
            labels.append(label)
    return texts, labels


def load_many(
    sources: Iterable[tuple[Path, Sequence[str]]], *, label_column: str
) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for path, columns in sources:
        t, y = load_labelled(path, text_columns=columns, label_column=label_column)
        texts += t
        labels += y
    if not texts:
        raise Invalid("no_labelled_rows", "the data files have no labelled rows", field="data")
    return texts, labels


# --- model registry -----------------------------------------------------------------------------

_CACHE: dict[tuple[str, str], Classifier] = {}
_CACHE_SIZE = 2  # the current model and the one it replaced, while requests finish
_CACHE_LOCK = threading.Lock()  # servers predict from several threads


def artifact_path(data_dir: Path, version: int) -> Path:
    return data_dir / "models" / f"triage-v{version}.joblib"


def store_classifier(
    session: Session,
    classifier: Classifier,
    *,
    data_dir: Path,
    now: datetime,
    training: dict[str, Any] | None = None,
) -> TriageModel:
    """Save the artifact as the next version and make it current. `training` (the data files,
    their columns) joins the model's metrics so `minyi triage eval` can find the data again."""
    version = (session.scalar(select(func.max(TriageModel.version))) or 0) + 1
    path = artifact_path(data_dir, version)
    classifier.info.update(training or {})
    digest = classifier.save(path, version=version, trained_at=now)
    session.execute(
        update(TriageModel).where(TriageModel.is_current.is_(True)).values(is_current=False)
    )
    row = TriageModel(
        version=version,
        created_at=now,
        path=path.relative_to(data_dir).as_posix(),
        sha256=digest,
        labels=list(classifier.labels),
        metrics=dict(classifier.info),
        threshold=classifier.threshold,
        is_current=True,
    )
    session.add(row)
    session.flush()
    return row


def list_models(session: Session) -> list[TriageModel]:
    return list(session.scalars(select(TriageModel).order_by(TriageModel.version.desc())))


def find_model(session: Session, version: int | None = None) -> TriageModel | None:
    """A version, or the current one; None if there is no such row."""
    query = select(TriageModel)
    query = (
        query.where(TriageModel.version == version)
        if version is not None
        else query.where(TriageModel.is_current.is_(True))
    )
    return session.scalar(query)


def get_model(session: Session, version: int | None = None) -> TriageModel:
    row = find_model(session, version)
    if row is None:
        raise NotFound(
            "model_not_found",
            f"no triage model version {version}"
            if version is not None
            else "no triage model yet: run `minyi triage train`",
        )
    return row


def use_model(session: Session, version: int) -> TriageModel:
    """Make an earlier (or later) version current again: a rollback without retraining."""
    row = get_model(session, version)
    session.execute(
        update(TriageModel).where(TriageModel.is_current.is_(True)).values(is_current=False)
    )
    row.is_current = True
    session.flush()
    return row


def load_model(row: TriageModel, data_dir: Path) -> Classifier:
    path = data_dir / row.path
    key = (str(path.resolve()), row.sha256)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            # Loaded under the lock: concurrent first requests wait for one load, not start ten.
            cached = Classifier.load(path, sha256=row.sha256)
            while len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = cached
        return cached


def current_classifier(session: Session, data_dir: Path) -> Classifier | None:
    """The current model, loaded once per process and version; None before the first training."""
    row = find_model(session)
    return None if row is None else load_model(row, data_dir)
