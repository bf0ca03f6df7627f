"""The numbers a classifier is trained and judged with: training parameters, the confidence
threshold, and the artifact format."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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
