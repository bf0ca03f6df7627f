"""Read-side lookups of units for the forms that choose them by name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.org.models import Unit
from minyi.org.rules import UnitKind, pinyin_keys

# The order a picker lists kinds in: departments first, then the area tree downwards.
KIND_ORDER = (UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID, UnitKind.SITE, UnitKind.DISTRICT)


@dataclass(frozen=True)
class UnitChoice:
    code: str
    name: str
    kind: str
    keys: str  # pinyin initials and full pinyin, for search


@lru_cache(maxsize=4096)
def _keys(name: str) -> str:
    return pinyin_keys(name)


def unit_choices(session: Session, kinds: Iterable[UnitKind]) -> list[UnitChoice]:
    """The active units of these kinds, in picker order (kind, then code)."""
    wanted = [k for k in KIND_ORDER if k in set(kinds)]
    rows = session.execute(
        select(Unit.code, Unit.name, Unit.kind).where(Unit.kind.in_([k.value for k in wanted]), Unit.is_active.is_(True))
    ).all()
    order = {k.value: i for i, k in enumerate(wanted)}
    return [UnitChoice(code, name, kind, _keys(name)) for code, name, kind in sorted(rows, key=lambda r: (order[r.kind], r.code))]


def names_by_code(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Unit names for codes that events and forms carry (shown instead of the codes)."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(wanted))).all())  # type: ignore[arg-type]
