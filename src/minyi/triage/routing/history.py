"""Dispatcher history: how often each unit was chosen for a leaf (and street), counted from
`dispatch` and `approve_bounce` events, kept in memory per database and refreshed incrementally."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Bounce, Case, CaseEvent
from minyi.core.caches import Slot
from minyi.org.models import Unit
from minyi.taxonomy.models import DictionaryEntry
from minyi.triage.cache import bind_key
from minyi.triage.places.values import Place, PlaceLike
from minyi.triage.routing.duty import own_token

# History adds to the duty map's prior by noisy-or (routing/recommend.py), by level.
HISTORY_LEVELS: tuple[tuple[str, float], ...] = (
    ("leaf_street", 1.0),
    ("leaf", 0.8),
    ("class_street", 0.4),
    ("class", 0.3),
)
HISTORY_PSEUDOCOUNT = 3.0
HISTORY_REFRESH_SECONDS = 30.0
# PostgreSQL hands out ids before commit: an event may appear below the last id read. Re-read
# this many ids back each time and skip the ones already counted.
HISTORY_LOOKBACK_IDS = 2000
HISTORY_BATCH = 20_000


def _history_keys(
    leaf: str | None, class_name: str | None, street: str | None
) -> list[tuple[str, tuple[str, ...]]]:
    keys: list[tuple[str, tuple[str, ...]]] = []
    if leaf:
        if street:
            keys.append(("leaf_street", (leaf, street)))
        keys.append(("leaf", (leaf,)))
    if class_name:
        if street:
            keys.append(("class_street", (class_name, street)))
        keys.append(("class", (class_name,)))
    return keys


class DispatchHistory:
    """Counts of dispatchers' choices per (leaf, street), leaf, (class, street) and class."""

    def __init__(self) -> None:
        self._dispatches: Counter[tuple[str, tuple[str, ...]]] = Counter()
        self._lead: dict[tuple[str, tuple[str, ...]], Counter[str]] = {}
        self._co: dict[tuple[str, tuple[str, ...]], Counter[str]] = {}
        self._lock = threading.RLock()
        self.last_event_id = 0
        self._recent: set[int] = set()
        self.events_read = 0

    def observe(
        self,
        *,
        leaf: str | None,
        class_name: str | None,
        place: PlaceLike,
        lead: str,
        co_units: Sequence[str] = (),
    ) -> None:
        """One dispatch: `lead` and `co_units` chosen for a case of this leaf at this place."""
        with self._lock:
            for key in _history_keys(leaf, class_name, place.street):
                self._dispatches[key] += 1
                self._lead.setdefault(key, Counter())[own_token(lead, place)] += 1
                co = self._co.setdefault(key, Counter())
                for code in co_units:
                    co[own_token(code, place)] += 1

    def observe_bounce(
        self, *, leaf: str | None, class_name: str | None, place: PlaceLike, unit: str
    ) -> None:
        """An approved bounce: the unit was the wrong choice, so one choice of it is taken back."""
        with self._lock:
            token = own_token(unit, place)
            for key in _history_keys(leaf, class_name, place.street):
                for table in (self._lead, self._co):
                    counts = table.get(key)
                    if counts and counts[token] > 0:
                        counts[token] -= 1
                        break

    def support(
        self, *, leaf: str | None, class_name: str | None, street: str | None
    ) -> tuple[dict[str, float], dict[str, float], int]:
        """(lead support, co-unit support, dispatches seen at the most specific level), each
        support in [0, 1): the share of dispatches that chose the unit, discounted for few
        dispatches and for less specific levels; the best level counts."""
        weights = dict(HISTORY_LEVELS)
        lead: dict[str, float] = {}
        co: dict[str, float] = {}
        seen = 0
        with self._lock:
            for level, key in _history_keys(leaf, class_name, street):
                n = self._dispatches.get((level, key), 0)
                if not n:
                    continue
                seen = seen or n
                factor = weights[level] * n / (n + HISTORY_PSEUDOCOUNT) / n
                for table, out in ((self._lead, lead), (self._co, co)):
                    for token, count in table.get((level, key), Counter()).items():
                        if count > 0:
                            out[token] = max(out.get(token, 0.0), factor * count)
        return lead, co, seen

    def refresh(self, session: Session) -> int:
        """Count the dispatch and approved-bounce events added since the last refresh."""
        with self._lock:
            codes: dict[int, str] = dict(session.execute(select(Unit.id, Unit.code)).all())
            since = max(0, self.last_event_id - HISTORY_LOOKBACK_IDS)
            read = 0
            while True:
                rows = session.execute(
                    select(
                        CaseEvent.id,
                        CaseEvent.action,
                        CaseEvent.payload,
                        DictionaryEntry.code,
                        Case.class_name,
                        Case.street_id,
                        Case.community_id,
                        Case.grid_id,
                    )
                    .join(Case, Case.id == CaseEvent.case_id)
                    .outerjoin(DictionaryEntry, DictionaryEntry.id == Case.category_id)
                    .where(
                        CaseEvent.action.in_(("dispatch", "approve_bounce")), CaseEvent.id > since
                    )
                    .order_by(CaseEvent.id)
                    .limit(HISTORY_BATCH)
                ).all()
                bounce_ids = [
                    int(r.payload["bounce_id"])
                    for r in rows
                    if r.action == "approve_bounce"
                    and isinstance(r.payload, dict)
                    and r.payload.get("bounce_id")
                ]
                bounced: dict[int, int] = (
                    dict(
                        session.execute(
                            select(Bounce.id, Bounce.unit_id).where(Bounce.id.in_(bounce_ids))
                        ).all()
                    )
                    if bounce_ids
                    else {}
                )
                for (
                    event_id,
                    action,
                    payload,
                    leaf,
                    class_name,
                    street_id,
                    community_id,
                    grid_id,
                ) in rows:
                    if event_id in self._recent:
                        continue
                    self._recent.add(event_id)
                    read += 1
                    place = Place(
                        codes.get(street_id or 0),
                        codes.get(community_id or 0),
                        codes.get(grid_id or 0),
                    )
                    payload = payload if isinstance(payload, dict) else {}
                    if action == "dispatch" and payload.get("lead_unit"):
                        self.observe(
                            leaf=leaf,
                            class_name=class_name,
                            place=place,
                            lead=str(payload["lead_unit"]),
                            co_units=[str(c) for c in payload.get("co_units") or []],
                        )
                    elif action == "approve_bounce":
                        unit = codes.get(bounced.get(int(payload.get("bounce_id") or 0), 0))
                        if unit:
                            self.observe_bounce(
                                leaf=leaf, class_name=class_name, place=place, unit=unit
                            )
                if rows:
                    since = rows[-1][0]
                    self.last_event_id = max(self.last_event_id, since)
                    floor = self.last_event_id - HISTORY_LOOKBACK_IDS
                    self._recent = {i for i in self._recent if i > floor}
                if len(rows) < HISTORY_BATCH:
                    break
            self.events_read += read
            return read


class HistoryCache:
    """One `DispatchHistory` per database, refreshed when older than `refresh_every` seconds."""

    def __init__(self, refresh_every: float = HISTORY_REFRESH_SECONDS) -> None:
        self._refresh_every = refresh_every
        self._items: dict[str, tuple[DispatchHistory, float]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, *, refresh: bool = False) -> DispatchHistory:
        key = bind_key(session)
        now = time.monotonic()
        with self._lock:
            history, refreshed_at = self._items.get(key, (None, -math.inf))
            if history is None:
                history = DispatchHistory()
            if refresh or now - refreshed_at >= self._refresh_every:
                history.refresh(session)
                refreshed_at = now
            self._items[key] = (history, refreshed_at)
            return history

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


HISTORIES: Slot[HistoryCache] = Slot("triage.dispatch_history", HistoryCache)


def refresh_history(session: Session) -> int:
    """Bring this process's history up to date now (for a worker job or after bulk imports)."""
    return HISTORIES.of(session).get(session).refresh(session)
