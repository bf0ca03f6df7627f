"""The model registry: versioned artifacts under `data_dir/models/`, one `triage_models` row
each, and the current model cached per runtime (`MODELS`)."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from minyi.core.caches import Slot
from minyi.core.errors import NotFound
from minyi.triage.classifier.model import Classifier
from minyi.triage.models import TriageModel


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


class ModelCache:
    """Loaded classifiers by (artifact, digest): the current model and the one it replaced,
    while requests finish."""

    SIZE = 2

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Classifier] = {}
        self._lock = threading.Lock()  # servers predict from several threads

    def load(self, row: TriageModel, data_dir: Path) -> Classifier:
        path = data_dir / row.path
        key = (str(path.resolve()), row.sha256)
        with self._lock:
            cached = self._items.get(key)
            if cached is None:
                # Loaded under the lock: concurrent first requests wait for one load, not ten.
                cached = Classifier.load(path, sha256=row.sha256)
                while len(self._items) >= self.SIZE:
                    self._items.pop(next(iter(self._items)))
                self._items[key] = cached
            return cached


MODELS: Slot[ModelCache] = Slot("triage.models", ModelCache)


def load_model(row: TriageModel, data_dir: Path, models: ModelCache | None = None) -> Classifier:
    """The model of `row`, from `models` (a runtime's) when given; a one-off command loads it."""
    if models is None:
        return Classifier.load(data_dir / row.path, sha256=row.sha256)
    return models.load(row, data_dir)


def current_classifier(session: Session, data_dir: Path) -> Classifier | None:
    """The current model, loaded once per runtime and version; None before the first training."""
    row = find_model(session)
    return None if row is None else load_model(row, data_dir, MODELS.of(session))
