"""Values computed from tables, cached per database and table version: the gazetteer, the
complaint-target detector, the duty map and the event dictionary are built once and rebuilt
only when their tables change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


def bind_key(session: Session) -> str:
    bind = session.get_bind()
    return bind.engine.url.render_as_string(hide_password=True)


def table_version(session: Session, *models: type[Any]) -> tuple[Any, ...]:
    """(max id, row count) of each table, in one round trip: changes when rows come or go."""
    columns = []
    for model in models:
        columns.append(select(func.max(model.id)).scalar_subquery())
        columns.append(select(func.count()).select_from(model).scalar_subquery())
    return tuple(session.execute(select(*columns)).one())


@dataclass
class _Cached(Generic[T]):
    value: T
    version: Hashable
    checked_at: float
    built_at: float


class VersionedCache(Generic[T]):
    """One value per database, rebuilt when `version(session)` changes.

    The version is read at most every `check_every` seconds, so a busy intake pays one small
    query every few seconds, not one per appeal. Renaming a unit keeps (max id, count), so the
    value is also rebuilt after `max_age` seconds; writers in this process call `clear()`.
    """

    def __init__(
        self,
        load: Callable[[Session], T],
        version: Callable[[Session], Hashable],
        *,
        check_every: float = 5.0,
        max_age: float = 600.0,
    ) -> None:
        self._load = load
        self._version = version
        self._check_every = check_every
        self._max_age = max_age
        self._items: dict[str, _Cached[T]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session) -> T:
        key = bind_key(session)
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            if item is not None and now - item.checked_at < self._check_every:
                return item.value
            version = self._version(session)
            if item is not None and item.version == version and now - item.built_at < self._max_age:
                item.checked_at = now
                return item.value
            value = self._load(session)
            self._items[key] = _Cached(value, version, now, now)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
