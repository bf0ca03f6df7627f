"""Place finding (定位): street, community and grid from an appeal's address and text.

A `Gazetteer` is built once from the unit registry (street, community and grid names and their
short forms: 青松街道 → 青松, 竹林社区 → 竹林) and the names an administrator adds (roads,
estates, landmarks, aliases). After that it is pure: each string is scanned once with an
Aho-Corasick automaton, and the area chains (street → community → grid) the names point at are
ranked by specificity and by how well the names agree with each other.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import ahocorasick  # type: ignore[import-not-found]  # a C extension without type stubs
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.org.models import Unit
from minyi.triage.models import GazetteerEntry
from minyi.triage.text import fold_width

P = TypeVar("P")
T = TypeVar("T")

AREA_LEVEL = {"street": 1, "community": 2, "grid": 3}
ENTRY_KINDS = ("road", "estate", "landmark", "alias")
# Where a road, estate or landmark may lie; an alias may also name a department.
PLACE_UNIT_KINDS = frozenset(AREA_LEVEL)
ALIAS_UNIT_KINDS = frozenset({*AREA_LEVEL, "department"})
NAME_MIN, NAME_MAX = 2, 60

# How much one name says about a unit. A short form (青松) is a common word as often as a
# place, so it counts half, and only where it stands as its own token (see _short_forms_alone).
FULL_NAME, SHORT_NAME = 1.0, 0.5
ENTRY_WEIGHT = {"estate": 1.0, "alias": 1.0, "landmark": 0.9, "road": 0.8}
# The address field is written to locate; the text mentions places in passing.
SOURCE_WEIGHT = {"address": 1.0, "text": 0.7}
# A name pointing away from a candidate costs half of what it would have added.
CONFLICT_FACTOR = 0.5
# Street + community + grid named in full, or a full grid name: a fully certain place.
CERTAIN_RAW = 3.0
# A short form followed by one of these still names the area: 青松街, 竹林村, 竹林片区.
LOCALITY_SUFFIXES = ("村", "街", "片区", "辖区", "一带", "附近", "这边", "那边", "境内", "周边")
# Characters after which a place name usually starts: 家住青松, 在竹林.
PLACE_LEADS = frozenset("在住于")
_GRID_NUMBER = re.compile(r"第(\d{1,3})网格$")
_CN_DIGITS = "零一二三四五六七八九"


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 35 → 三十五 (1..99)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


# --- multi-pattern scan --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit(Generic[P]):
    start: int
    end: int
    payload: P


class Matcher(Generic[P]):
    """Leftmost-longest, non-overlapping occurrences of many names, in one pass per text.

    pyahocorasick's own `iter_long` misses matches after some overlaps, so the automaton
    reports every occurrence and the overlaps are resolved here (there are only a handful).
    """

    def __init__(self, names: dict[str, P]) -> None:
        self._automaton = ahocorasick.Automaton()
        for name, payload in names.items():
            if name:
                self._automaton.add_word(name, (len(name), payload))
        self._is_empty = not names
        if not self._is_empty:
            self._automaton.make_automaton()

    def scan(self, text: str) -> list[Hit[P]]:
        if self._is_empty or not text:
            return []
        found = sorted(
            ((end + 1 - n, end + 1, payload) for end, (n, payload) in self._automaton.iter(text)),
            key=lambda f: (f[0], f[0] - f[1]),
        )
        hits: list[Hit[P]] = []
        reached = 0
        for start, end, payload in found:
            if start >= reached:
                hits.append(Hit(start, end, payload))
                reached = end
        return hits


# --- the gazetteer -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistryUnit:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class NamedPlace:
    """An administrator's gazetteer entry: a name and the unit (code) it lies in or names."""

    name: str
    kind: str
    unit_code: str


@dataclass(frozen=True, slots=True)
class Place:
    """A place given by unit codes, e.g. the street/community/grid a case was filed under."""

    street: str | None = None
    community: str | None = None
    grid: str | None = None


class PlaceLike(Protocol):
    """A `Place`, a `PlaceCandidate`, or anything else naming an area by unit codes."""

    @property
    def street(self) -> str | None: ...

    @property
    def community(self) -> str | None: ...

    @property
    def grid(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PlaceEvidence:
    source: str  # address | text
    start: int
    end: int
    text: str
    unit_code: str
    name_kind: (
        str  # street | community | grid | short | grid_number | road | estate | landmark | alias
    )


@dataclass(frozen=True, slots=True)
class PlaceCandidate:
    """One reading of where the appeal is. `score` in [0, 1]: how specific and how unambiguous
    (a lone street is at most 1/3; two equally good readings share the score)."""

    street: str | None
    community: str | None
    grid: str | None
    score: float
    evidence: tuple[PlaceEvidence, ...]

    @property
    def place(self) -> Place:
        return Place(self.street, self.community, self.grid)

    @property
    def unit_code(self) -> str | None:
        """The most specific unit."""
        return self.grid or self.community or self.street


@dataclass(frozen=True, slots=True)
class _Target:
    unit_id: int
    level: int
    weight: float
    name_kind: str
    needs_boundary: bool


@dataclass(frozen=True, slots=True)
class _Pattern:
    targets: tuple[_Target, ...] = ()
    grid_number: int | None = None  # 第3网格: refines a community found elsewhere


@dataclass(frozen=True, slots=True)
class _Found:
    source: str
    start: int
    end: int
    text: str
    targets: tuple[_Target, ...]
    grid_number: int | None


class Gazetteer:
    """The district's place names. Build with `Gazetteer.build`; then `find_place` is pure."""

    def __init__(
        self,
        units: dict[int, RegistryUnit],
        chains: dict[int, tuple[int, ...]],
        grid_numbers: dict[int, int],
        patterns: dict[str, _Pattern],
    ) -> None:
        self.units = units
        self.by_code = {u.code: u for u in units.values()}
        self._chains = chains
        self._grid_numbers = grid_numbers
        self._grid_by_number = {(units[g].parent_id, n): g for g, n in grid_numbers.items()}
        self._matcher: Matcher[_Pattern] = Matcher(patterns)
        self.size = len(patterns)

    @classmethod
    def build(cls, units: Iterable[RegistryUnit], entries: Iterable[NamedPlace] = ()) -> Gazetteer:
        by_id = {u.id: u for u in units if u.is_active}
        by_code = {u.code: u for u in by_id.values()}
        chains: dict[int, tuple[int, ...]] = {}
        for unit in by_id.values():
            chain = _area_chain(unit, by_id)
            if chain:
                chains[unit.id] = chain
        targets: dict[str, list[_Target]] = {}
        grid_numbers: dict[int, int] = {}
        generic: dict[str, int] = {}
        boundary_only: set[str] = set()

        def add(
            name: str, unit: RegistryUnit, weight: float, name_kind: str, *, short: bool = False
        ) -> None:
            if len(name) >= NAME_MIN:
                level = AREA_LEVEL[unit.kind]
                targets.setdefault(name, []).append(
                    _Target(unit.id, level, weight, name_kind, short)
                )

        for unit in by_id.values():
            if unit.kind == "district":
                # Not a place to route to, but a token a short form may follow: 汀澜区青松.
                boundary_only.update({unit.name, unit.name.removesuffix("区")})
            if unit.id not in chains:
                continue
            if unit.kind == "street":
                add(unit.name, unit, FULL_NAME, "street")
                for suffix in ("办", "办事处"):
                    add(unit.name + suffix, unit, FULL_NAME, "street")
                if unit.name.endswith("街道"):
                    add(unit.name.removesuffix("街道"), unit, SHORT_NAME, "short", short=True)
            elif unit.kind == "community":
                add(unit.name, unit, FULL_NAME, "community")
                add(unit.name + "居委会", unit, FULL_NAME, "community")
                if unit.name.endswith("社区"):
                    stem = unit.name.removesuffix("社区")
                    add(stem + "居委会", unit, FULL_NAME, "community")
                    add(stem, unit, SHORT_NAME, "short", short=True)
            elif unit.kind == "grid":
                add(unit.name, unit, FULL_NAME, "grid")
                number = _GRID_NUMBER.search(unit.name)
                if number:
                    n = int(number.group(1))
                    grid_numbers[unit.id] = n
                    if n < 100:
                        add(
                            unit.name[: number.start()] + f"第{chinese_number(n)}网格",
                            unit,
                            FULL_NAME,
                            "grid",
                        )
                        generic[f"第{chinese_number(n)}网格"] = n
                    generic[f"第{n}网格"] = n
        for entry in entries:
            lies_in = by_code.get(entry.unit_code)
            if lies_in is None or lies_in.id not in chains or entry.kind not in ENTRY_WEIGHT:
                continue
            add(fold_width(entry.name, punctuation=True).strip(), lies_in, ENTRY_WEIGHT[entry.kind], entry.kind)

        patterns: dict[str, _Pattern] = {name: _Pattern() for name in boundary_only}
        for name, n in generic.items():
            patterns[name] = _Pattern(grid_number=n)
        for name, found in targets.items():
            # A name given both in full and as a short form keeps only its full readings.
            full = [t for t in found if not t.needs_boundary]
            patterns[name] = _Pattern(targets=tuple(dict.fromkeys(full or found)))
        return cls(by_id, chains, grid_numbers, patterns)

    # --- lookups --------------------------------------------------------------------------

    def area_of(self, code: str | None) -> Place:
        """The street, community and grid (codes) of an area unit code; empty when unknown."""
        unit = self.by_code.get(code or "")
        if unit is None or unit.id not in self._chains:
            return Place()
        return self._place(self._chains[unit.id])

    def name_of(self, code: str | None) -> str | None:
        unit = self.by_code.get(code or "")
        return unit.name if unit else None

    def _place(self, chain: tuple[int, ...]) -> Place:
        codes = [self.units[i].code for i in chain] + [None, None]
        return Place(codes[0], codes[1], codes[2])

    # --- matching -------------------------------------------------------------------------

    def find_place(
        self, text: str | None, address: str | None = None, *, limit: int = 5
    ) -> list[PlaceCandidate]:
        """Ranked readings of where the appeal is, best first; [] when no name is found."""
        found = self._scan(address, "address") + self._scan(text, "text")
        if not found:
            return []
        chains: set[tuple[int, ...]] = {self._chains[t.unit_id] for f in found for t in f.targets}
        numbers = {f.grid_number for f in found if f.grid_number is not None}
        for chain in list(chains):
            if len(chain) == 2:
                for n in numbers:
                    grid = self._grid_by_number.get((chain[1], n))
                    if grid is not None:
                        chains.add(self._chains[grid])
        scored = {chain: self._score(chain, found) for chain in chains}
        kept = [
            (chain, raw, evidence)
            for chain, (raw, evidence) in scored.items()
            if raw > 0 and not _dominated(chain, raw, scored)
        ]
        if not kept:
            return []
        total = sum(raw for _, raw, _ in kept)
        kept.sort(key=lambda k: (-k[1], -len(k[0]), [self.units[i].code for i in k[0]]))
        out = []
        for chain, raw, evidence in kept[:limit]:
            place = self._place(chain)
            score = min(1.0, raw / CERTAIN_RAW) * raw / total
            out.append(
                PlaceCandidate(place.street, place.community, place.grid, round(score, 3), evidence)
            )
        return out

    def _scan(self, value: str | None, source: str) -> list[_Found]:
        if not value:
            return []
        text = fold_width(value, punctuation=True)
        hits = self._matcher.scan(text)
        alone = _short_forms_alone(text, hits)
        out: list[_Found] = []
        seen: set[str] = set()
        for n, hit in enumerate(hits):
            pattern = hit.payload
            targets = pattern.targets if n in alone or not _is_short(pattern) else ()
            if not targets and pattern.grid_number is None:
                continue
            name = text[hit.start : hit.end]
            if name in seen:  # a name repeated in one field is one piece of evidence
                continue
            seen.add(name)
            out.append(
                _Found(
                    source,
                    hit.start,
                    hit.end,
                    value[hit.start : hit.end],
                    targets,
                    pattern.grid_number,
                )
            )
        return out

    def _score(
        self, chain: tuple[int, ...], found: list[_Found]
    ) -> tuple[float, tuple[PlaceEvidence, ...]]:
        members = set(chain)
        deepest = chain[-1]
        raw = 0.0
        evidence: list[PlaceEvidence] = []
        for f in found:
            source_weight = SOURCE_WEIGHT[f.source]
            if f.grid_number is not None and not f.targets:
                if len(chain) == 3 and self._grid_numbers.get(deepest) == f.grid_number:
                    raw += source_weight * FULL_NAME * AREA_LEVEL["grid"]
                    evidence.append(
                        PlaceEvidence(
                            f.source,
                            f.start,
                            f.end,
                            f.text,
                            self.units[deepest].code,
                            "grid_number",
                        )
                    )
                continue
            support = [
                (source_weight * t.weight * t.level, t) for t in f.targets if t.unit_id in members
            ]
            if support:
                value, target = max(support, key=lambda s: s[0])
                raw += value
                evidence.append(
                    PlaceEvidence(
                        f.source,
                        f.start,
                        f.end,
                        f.text,
                        self.units[target.unit_id].code,
                        target.name_kind,
                    )
                )
            elif not any(deepest in self._chains[t.unit_id] for t in f.targets):
                # Points elsewhere (a more specific place inside this one is no contradiction).
                # Counted at most at this candidate's own level: a community contradicting a
                # lone street leaves the street as a weaker reading, not as no reading at all.
                raw -= CONFLICT_FACTOR * max(
                    source_weight * t.weight * min(t.level, len(chain)) for t in f.targets
                )
        return raw, tuple(evidence)


def _area_chain(unit: RegistryUnit, by_id: dict[int, RegistryUnit]) -> tuple[int, ...]:
    """(street, community?, grid?) ids from the unit up; () when not under a street."""
    if unit.kind not in AREA_LEVEL:
        return ()
    chain = [unit.id]
    current = unit
    while current.kind != "street":
        parent = by_id.get(current.parent_id or 0)
        if parent is None or AREA_LEVEL.get(parent.kind) != AREA_LEVEL[current.kind] - 1:
            return ()
        chain.append(parent.id)
        current = parent
    return tuple(reversed(chain))


def _is_short(pattern: _Pattern) -> bool:
    return bool(pattern.targets) and all(t.needs_boundary for t in pattern.targets)


def _short_forms_alone(text: str, hits: list[Hit[_Pattern]]) -> set[int]:
    """Indexes of the short-form hits that stand as their own tokens.

    A run of touching short forms (青松竹林) counts where the run as a whole is delimited: by
    the ends of the text, a non-Han character, a full name, a word like 在/住 before it or a
    locality word (村, 片区, 附近…) after it. So 竹林 counts in 青松竹林5栋 and in 竹林村, but
    neither 竹林 nor 花园 counts in 竹林花园物业.
    """
    alone: set[int] = set()
    n = 0
    while n < len(hits):
        if not _is_short(hits[n].payload):
            n += 1
            continue
        last = n
        while (
            last + 1 < len(hits)
            and _is_short(hits[last + 1].payload)
            and hits[last + 1].start == hits[last].end
        ):
            last += 1
        start, end = hits[n].start, hits[last].end
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        left = (
            not before
            or not is_han(before)
            or before in PLACE_LEADS
            or (n > 0 and hits[n - 1].end == start)  # a full name ends right here
        )
        right = (
            not after
            or not is_han(after)
            or any(text.startswith(s, end) for s in LOCALITY_SUFFIXES)
            or (last + 1 < len(hits) and hits[last + 1].start == end)
        )
        if left and right:
            alone.update(range(n, last + 1))
        n = last + 1
    return alone


def _dominated(
    chain: tuple[int, ...], raw: float, scored: dict[tuple[int, ...], tuple[float, Any]]
) -> bool:
    """A street alone is dropped when a community inside it explains the names at least as well."""
    return any(
        len(other) > len(chain) and other[: len(chain)] == chain and other_raw >= raw
        for other, (other_raw, _) in scored.items()
    )


# --- caching per database ------------------------------------------------------------------


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


def load_units(session: Session) -> list[RegistryUnit]:
    rows = session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.is_active)
    )
    return [RegistryUnit(*row) for row in rows]


def load_entries(session: Session) -> list[NamedPlace]:
    rows = session.execute(
        select(GazetteerEntry.name, GazetteerEntry.kind, Unit.code).join(
            Unit, Unit.id == GazetteerEntry.unit_id
        )
    )
    return [NamedPlace(*row) for row in rows]


def load_gazetteer(session: Session) -> Gazetteer:
    return Gazetteer.build(load_units(session), load_entries(session))


GAZETTEERS: VersionedCache[Gazetteer] = VersionedCache(
    load_gazetteer, lambda session: table_version(session, Unit, GazetteerEntry)
)


def gazetteer_for(session: Session) -> Gazetteer:
    """The cached gazetteer of the session's database."""
    return GAZETTEERS.get(session)


def find_place(
    source: Session | Gazetteer, text: str | None, address: str | None = None, *, limit: int = 5
) -> list[PlaceCandidate]:
    gazetteer = source if isinstance(source, Gazetteer) else gazetteer_for(source)
    return gazetteer.find_place(text, address, limit=limit)


# --- administering entries -----------------------------------------------------------------


def list_entries(
    session: Session, *, kind: str | None = None, unit_code: str | None = None
) -> list[tuple[GazetteerEntry, Unit]]:
    stmt = (
        select(GazetteerEntry, Unit)
        .join(Unit, Unit.id == GazetteerEntry.unit_id)
        .order_by(GazetteerEntry.name, Unit.code)
    )
    if kind:
        stmt = stmt.where(GazetteerEntry.kind == kind)
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    return [(entry, unit) for entry, unit in session.execute(stmt)]


def add_entry(
    session: Session, *, name: str, kind: str, unit_code: str, actor_id: int | None, now: datetime
) -> GazetteerEntry:
    name = fold_width(name, punctuation=True).strip()
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise Invalid("bad_name", f"a name has {NAME_MIN} to {NAME_MAX} characters", field="name")
    if kind not in ENTRY_KINDS:
        raise Invalid("bad_kind", f"kind is one of {', '.join(ENTRY_KINDS)}", field="kind")
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise Invalid("unknown_unit", f"no unit '{unit_code}'", field="unit")
    allowed = ALIAS_UNIT_KINDS if kind == "alias" else PLACE_UNIT_KINDS
    if unit.kind not in allowed:
        raise Invalid(
            "bad_unit_kind",
            f"a {kind} lies in a {' or '.join(sorted(allowed))}, not a {unit.kind}",
            field="unit",
        )
    duplicate = session.scalar(
        select(GazetteerEntry.id).where(
            GazetteerEntry.name == name, GazetteerEntry.unit_id == unit.id
        )
    )
    if duplicate is not None:
        raise Conflict(
            "gazetteer_duplicate",
            f"'{name}' is already in the gazetteer for {unit.code}",
            entry_id=duplicate,
        )
    entry = GazetteerEntry(
        name=name, kind=kind, unit_id=unit.id, created_at=now, created_by_id=actor_id
    )
    session.add(entry)
    session.flush()
    return entry


def remove_entry(session: Session, entry_id: int) -> None:
    entry = session.get(GazetteerEntry, entry_id)
    if entry is None:
        raise NotFound("gazetteer_entry_not_found", f"no gazetteer entry {entry_id}")
    session.delete(entry)
    session.flush()
