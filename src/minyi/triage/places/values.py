"""What place finding works with: the weights, the registry's units, the names added, a place
and a ranked candidate with its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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
_CN_DIGITS = "零一二三四五六七八九"


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 35 → 三十五 (1..99)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


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
