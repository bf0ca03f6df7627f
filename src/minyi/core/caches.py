"""Per-runtime caches: the state a process builds from its data and settings and keeps between
units of work (the triage model, the gazetteer, rule sets, the calendar, the senders, the day's
hotspots...).

The package that builds a kind of state declares a `Slot` for it (what it is, how an empty one
is made); a `Caches` holds one value per slot, made on first use. The runtime owns one `Caches`
and its `Database` hands it to every session it opens (`session.info`), so domain code reaches
its slot through the session it already has (`GAZETTEERS.of(session)`) and no service signature
carries it. Two runtimes in one process (an app and a worker in a test) never share any of it;
a test wires what it needs by putting a value in the slot (`caches.put(SENDERS, senders)`).

A session opened outside a `Database` (a tool's bare `Session(engine)`) gets caches of its own
for its lifetime: correct, only slower.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")

CACHES_KEY = "minyi.caches"


@dataclass(frozen=True, eq=False)
class Slot(Generic[T]):
    """One kind of cached state, declared by the package that builds it. Compared by identity:
    two slots with the same name are two slots (the name is for people and errors)."""

    name: str
    make: Callable[[], T]

    def of(self, source: Session | Caches) -> T:
        return (source if isinstance(source, Caches) else caches_of(source)).get(self)


class Caches:
    def __init__(self) -> None:
        self._values: dict[Slot[Any], Any] = {}
        # Made under the lock: concurrent first requests wait for one value, not build ten.
        self._lock = threading.RLock()

    def get(self, slot: Slot[T]) -> T:
        with self._lock:
            if slot not in self._values:
                self._values[slot] = slot.make()
            value: T = self._values[slot]
            return value

    def put(self, slot: Slot[T], value: T) -> None:
        """Wire a slot's value (the runtime does for what its settings decide; tests for theirs)."""
        with self._lock:
            self._values[slot] = value

    def reset(self, slot: Slot[Any]) -> None:
        """Forget a slot's value: the next `get` makes a fresh one."""
        with self._lock:
            self._values.pop(slot, None)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(slot.name for slot in self._values)


def caches_of(session: Session) -> Caches:
    caches = session.info.get(CACHES_KEY)
    if caches is None:
        caches = session.info[CACHES_KEY] = Caches()
    assert isinstance(caches, Caches)
    return caches


K = TypeVar("K")


class Memo(Generic[K, T]):
    """Values derived from a key (a text's parse, a version's policies), at most `size` of them:
    past that it starts again, so old versions of a long-lived runtime do not pile up."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: dict[K, T] = {}
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                return self._items[key]
        value = make()  # outside the lock: a slow parse does not hold up other keys
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[key] = value
        return value

    def peek(self, key: K) -> T | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: K, value: T) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[key] = value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
