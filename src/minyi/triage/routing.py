"""Unit recommendation (分拨建议): a lead unit and co-units for an appeal.

The current dictionary leaf's duty map names the owner (a department, or the appeal's own
street or community); what dispatchers chose for earlier appeals of the same leaf (and street)
confirms it, adds co-units, and overrides it when they keep choosing otherwise. A unit the
appeal complains about is never recommended (信访工作条例): the next candidate takes its place,
or a supervising body when the accused unit was the one the duty map named.

Dispatcher history is an in-memory count table per database, filled from `dispatch` and
`approve_bounce` case events and refreshed incrementally every `HISTORY_REFRESH_SECONDS`, so a
recommendation costs a few dictionary lookups, never a scan of the event log.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Bounce, Case, CaseEvent
from minyi.core.errors import Invalid
from minyi.org.models import Unit
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.triage.accused import (
    AccusedDetector,
    AccusedFinding,
    AccusedSpan,
    detector_for,
    load_detector,
)
from minyi.triage.cache import VersionedCache, bind_key
from minyi.triage.places.gazetteer import Gazetteer
from minyi.triage.places.store import gazetteer_for, load_gazetteer
from minyi.triage.places.values import Place, PlaceLike

HANDLING_KINDS = frozenset({"department", "street", "community", "grid"})
# Who handles a complaint against the unit that would own it: the discipline commission for
# corruption and abuse of power, the petitions bureau for the rest; the centre as last resort.
SUPERVISORS: Mapping[str, tuple[str, ...]] = {
    "corruption": ("DEP40", "DEP_XFJ", "DISPATCH"),
    "abuse": ("DEP40", "DEP_XFJ", "DISPATCH"),
    "default": ("DEP_XFJ", "DEP40", "DISPATCH"),
}
# History records a unit that was the case's own street/community/grid as that role, so that
# "the street co-handles" learnt in one street carries over to the others.
OWN = {"street": "@street", "community": "@community", "grid": "@grid"}

# Scoring. A duty-map unit alone scores DUTY_PRIOR; history adds by noisy-or, so about five
# consistent contrary dispatches (same leaf and street) outweigh the duty map.
DUTY_PRIOR = 0.6
HISTORY_LEVELS: tuple[tuple[str, float], ...] = (
    ("leaf_street", 1.0),
    ("leaf", 0.8),
    ("class_street", 0.4),
    ("class", 0.3),
)
HISTORY_PSEUDOCOUNT = 3.0
CO_UNIT_MIN = 0.25
CO_UNITS_MAX = 3
# When the accused unit was the best choice, another candidate leads only if it is this sure.
STRONG_ALTERNATIVE = 0.5
HISTORY_REFRESH_SECONDS = 30.0
# PostgreSQL hands out ids before commit: an event may appear below the last id read. Re-read
# this many ids back each time and skip the ones already counted.
HISTORY_LOOKBACK_IDS = 2000
HISTORY_BATCH = 20_000


# --- the duty map --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DutyLeaf:
    code: str
    class_name: str
    lead_kind: str  # department | street | community
    lead_code: str | None  # the department, when lead_kind is department


@dataclass(frozen=True, slots=True)
class DutyMap:
    version_id: int | None
    leaves: Mapping[str, DutyLeaf]

    def token(self, leaf: DutyLeaf) -> str | None:
        return leaf.lead_code if leaf.lead_kind == "department" else OWN.get(leaf.lead_kind)


def load_duty(session: Session) -> DutyMap:
    version = session.scalar(
        select(DictionaryVersion.id).where(DictionaryVersion.is_current.is_(True))
    )
    rows = session.execute(
        select(
            DictionaryEntry.code,
            DictionaryEntry.class_name,
            DictionaryEntry.lead_unit_kind,
            Unit.code,
        )
        .outerjoin(Unit, Unit.id == DictionaryEntry.lead_unit_id)
        .where(DictionaryEntry.version_id == version)
    )
    return DutyMap(version, {row[0]: DutyLeaf(*row) for row in rows})


DUTY_MAPS: VersionedCache[DutyMap] = VersionedCache(
    load_duty,
    lambda session: session.scalar(
        select(DictionaryVersion.id).where(DictionaryVersion.is_current.is_(True))
    ),
)


# --- dispatcher history --------------------------------------------------------------------


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


def own_token(code: str, place: PlaceLike) -> str:
    """The unit as history stores it: the case's own street is @street, a department itself."""
    for level, token in OWN.items():
        if code == getattr(place, level):
            return token
    return code


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


HISTORIES = HistoryCache()


def refresh_history(session: Session) -> int:
    """Bring this process's history up to date now (for a worker job or after bulk imports)."""
    return HISTORIES.get(session).refresh(session)


# --- recommendation ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TriageSnapshot:
    """Everything a recommendation reads, so many appeals can be routed without a session."""

    gazetteer: Gazetteer
    detector: AccusedDetector
    duty: DutyMap
    history: DispatchHistory
    supervisors: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: SUPERVISORS)


def snapshot_for(session: Session, *, fresh_history: bool = False) -> TriageSnapshot:
    """The cached snapshot of the session's database (cheap: each part checks its version
    every few seconds; history refreshes every HISTORY_REFRESH_SECONDS)."""
    return TriageSnapshot(
        gazetteer_for(session),
        detector_for(session),
        DUTY_MAPS.get(session),
        HISTORIES.get(session, refresh=fresh_history),
    )


def load_snapshot(session: Session) -> TriageSnapshot:
    """A snapshot built from scratch, history included (scans the dispatch events once)."""
    history = DispatchHistory()
    history.refresh(session)
    return TriageSnapshot(
        load_gazetteer(session), load_detector(session), load_duty(session), history
    )


@dataclass(frozen=True, slots=True)
class UnitChoice:
    code: str
    name: str
    score: float
    reasons: tuple[str, ...]  # duty_map | history | supervisor_fallback


@dataclass(frozen=True, slots=True)
class Exclusion:
    code: str
    name: str
    reason: str  # accused | accused_staff (the unit of a named staff member)
    was_candidate: bool
    evidence: tuple[AccusedSpan, ...]


@dataclass(frozen=True, slots=True)
class Recommendation:
    lead: UnitChoice | None
    co_units: tuple[UnitChoice, ...]
    excluded: tuple[Exclusion, ...]
    place: Place
    accused: AccusedFinding
    # Units (codes) and staff (usernames) that must not see who the citizen is.
    hide_identity_from: tuple[str, ...]
    hide_identity_from_staff: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        def choice(c: UnitChoice) -> dict[str, Any]:
            return {"unit": c.code, "name": c.name, "score": c.score, "reasons": list(c.reasons)}

        return {
            "lead": choice(self.lead) if self.lead else None,
            "co_units": [choice(c) for c in self.co_units],
            "excluded": [
                {
                    "unit": e.code,
                    "name": e.name,
                    "reason": e.reason,
                    "was_candidate": e.was_candidate,
                    "evidence": [
                        {"text": s.text, "start": s.start, "end": s.end, "cue": s.cue}
                        for s in e.evidence
                    ],
                }
                for e in self.excluded
            ],
            "place": {
                "street": self.place.street,
                "community": self.place.community,
                "grid": self.place.grid,
            },
            "hide_identity_from": list(self.hide_identity_from),
            "hide_identity_from_staff": list(self.hide_identity_from_staff),
        }


def recommend_units(
    source: Session | TriageSnapshot,
    *,
    leaf_code: str | None = None,
    class_name: str | None = None,
    place: PlaceLike | None = None,
    text: str | None = None,
    address: str | None = None,
) -> Recommendation:
    """Lead and co-units for an appeal of this leaf (or only class) at this place.

    Without `place`, the best reading of `address` and `text` is used. `text` is also read for
    complaint targets, which are excluded and listed in `excluded` and `hide_identity_from`.
    Raises Invalid for an unknown leaf code.
    """
    snap = source if isinstance(source, TriageSnapshot) else snapshot_for(source)
    leaf = None
    if leaf_code:
        leaf = snap.duty.leaves.get(leaf_code)
        if leaf is None:
            raise Invalid(
                "unknown_category", f"no event-dictionary leaf '{leaf_code}'", field="category"
            )
        class_name = leaf.class_name
    if place is None and (text or address):
        readings = snap.gazetteer.find_place(text, address, limit=1)
        place = readings[0] if readings else None
    area = complete_place(snap.gazetteer, place)
    finding = snap.detector.find(text, area)
    units = snap.gazetteer.by_code

    lead_support, co_support, _ = snap.history.support(
        leaf=leaf_code, class_name=class_name, street=area.street
    )
    duty_token = snap.duty.token(leaf) if leaf else None
    scores: dict[str, tuple[float, tuple[str, ...]]] = {}
    for token in {*lead_support, *([duty_token] if duty_token else [])}:
        code = _resolve(token, area)
        if code is None or code not in units or units[code].kind not in HANDLING_KINDS:
            continue
        is_duty = token == duty_token
        history = lead_support.get(token, 0.0)
        score = 1 - (1 - DUTY_PRIOR * is_duty) * (1 - history)
        reasons = (*(("duty_map",) if is_duty else ()), *(("history",) if history else ()))
        if score > scores.get(code, (0.0, ()))[0]:
            scores[code] = (score, reasons)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], kv[0]))

    accused = set(finding.unit_codes)
    lead: UnitChoice | None = None
    for code, (score, reasons) in ranked:
        if code not in accused:
            lead = UnitChoice(code, units[code].name, round(score, 3), reasons)
            break
    best_was_accused = bool(ranked) and ranked[0][0] in accused
    if accused and (lead is None or (best_was_accused and lead.score < STRONG_ALTERNATIVE)):
        fallback = _supervisor(snap, finding, accused)
        if fallback is not None:
            score = ranked[0][1][0] if ranked else DUTY_PRIOR
            lead = UnitChoice(
                fallback, units[fallback].name, round(score, 3), ("supervisor_fallback",)
            )

    co: list[UnitChoice] = []
    taken = {lead.code} if lead else set()
    for token, support in sorted(co_support.items(), key=lambda kv: (-kv[1], kv[0])):
        code = _resolve(token, area)
        if (
            support < CO_UNIT_MIN
            or code is None
            or code in taken
            or code in accused
            or code not in units
            or units[code].kind not in HANDLING_KINDS
        ):
            continue
        co.append(UnitChoice(code, units[code].name, round(support, 3), ("history",)))
        taken.add(code)
        if len(co) == CO_UNITS_MAX:
            break

    directly = {
        code for span in finding.evidence for code in span.unit_codes if not span.staff_usernames
    }
    excluded = tuple(
        Exclusion(
            code,
            units[code].name if code in units else code,
            "accused" if code in directly else "accused_staff",
            code in scores or (duty_token is not None and _resolve(duty_token, area) == code),
            tuple(s for s in finding.evidence if code in s.unit_codes),
        )
        for code in finding.unit_codes
    )
    return Recommendation(
        lead,
        tuple(co),
        excluded,
        area,
        finding,
        finding.hide_identity_from,
        finding.staff_usernames,
    )


def complete_place(gazetteer: Gazetteer, place: PlaceLike | None) -> Place:
    """The whole area chain of the most specific unit given (a grid gives community, street)."""
    if place is None:
        return Place()
    for code in (place.grid, place.community, place.street):
        if code:
            found = gazetteer.area_of(code)
            if found.street:
                return found
    return Place(place.street, place.community, place.grid)


def _resolve(token: str, area: Place) -> str | None:
    if token == OWN["street"]:
        return area.street
    if token == OWN["community"]:
        # 属地: with no community known, its street answers for it.
        return area.community or area.street
    if token == OWN["grid"]:
        return area.grid
    return token


def _supervisor(
    snap: TriageSnapshot, finding: AccusedFinding, accused: Iterable[str]
) -> str | None:
    kind = (
        "corruption"
        if "corruption" in finding.conduct
        else "abuse"
        if "abuse" in finding.conduct
        else "default"
    )
    excluded = set(accused)
    for code in snap.supervisors.get(kind, ()):
        if code not in excluded and code in snap.gazetteer.by_code:
            return code
    return None
