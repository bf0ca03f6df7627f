"""The gazetteer: the registry's names and the added ones, scanned once, and the area chains
they point at ranked by specificity and agreement."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from minyi.triage.places.scan import Hit, Matcher
from minyi.triage.places.values import (
    AREA_LEVEL,
    CERTAIN_RAW,
    CONFLICT_FACTOR,
    ENTRY_WEIGHT,
    FULL_NAME,
    LOCALITY_SUFFIXES,
    NAME_MIN,
    PLACE_LEADS,
    SHORT_NAME,
    SOURCE_WEIGHT,
    NamedPlace,
    Place,
    PlaceCandidate,
    PlaceEvidence,
    RegistryUnit,
    chinese_number,
    is_han,
)
from minyi.triage.text import fold_width

_GRID_NUMBER = re.compile(r"第(\d{1,3})网格$")


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
            add(
                fold_width(entry.name, punctuation=True).strip(),
                lies_in,
                ENTRY_WEIGHT[entry.kind],
                entry.kind,
            )

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
