"""The trained classifier: predicting, saving and loading the artifact."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.triage.classifier.features import Featuriser
from minyi.triage.classifier.params import FORMAT, Floats


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
        # joblib (with multiprocessing) is imported where an artifact is written or read: a
        # sixth of a CPU second that every process paid at start.
        import joblib  # type: ignore[import-untyped]  # no type information

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
        import joblib  # type: ignore[import-untyped]  # here, as in save

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
