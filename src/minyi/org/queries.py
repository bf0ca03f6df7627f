"""Read-side lookups of the organisation: units for the forms that choose them by name, and the
lists administrators' forms pick from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from minyi.core.listing import Listing, list_page
from minyi.core.paging import asc
from minyi.org.models import Staff, Unit
from minyi.org.rules import UnitKind, pinyin_keys

# The order a picker lists kinds in: departments first, then the area tree downwards.
KIND_ORDER = (
    UnitKind.DEPARTMENT,
    UnitKind.STREET,
    UnitKind.COMMUNITY,
    UnitKind.GRID,
    UnitKind.SITE,
    UnitKind.DISTRICT,
)


def district_name(session: Session) -> str:
    """The district's own name (its DISTRICT unit, "示范区"): letterheads, document numbers and
    the report's masthead print it. Empty before the organisation is loaded."""
    name = session.scalar(
        select(Unit.name).where(Unit.kind == UnitKind.DISTRICT.value).order_by(Unit.id).limit(1)
    )
    return name or ""


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
        select(Unit.code, Unit.name, Unit.kind).where(
            Unit.kind.in_([k.value for k in wanted]), Unit.is_active.is_(True)
        )
    ).all()
    order = {k.value: i for i, k in enumerate(wanted)}
    return [
        UnitChoice(code, name, kind, _keys(name))
        for code, name, kind in sorted(rows, key=lambda r: (order[r.kind], r.code))
    ]


def names_by_code(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Unit names for codes that events and forms carry (shown instead of the codes)."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(wanted))).all())  # type: ignore[arg-type]


def unit_labels(
    session: Session, *, active_only: bool = True, kinds: tuple[str, ...] = ()
) -> dict[int, str]:
    """Every unit by id with a label a person can pick from a list: its name, and its parent's
    name where names repeat across the tree (第3网格 is in many communities)."""
    parent = aliased(Unit)
    stmt = (
        select(Unit.id, Unit.name, Unit.kind, parent.name)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .order_by(Unit.path)
    )
    if active_only:
        stmt = stmt.where(Unit.is_active.is_(True))
    if kinds:
        stmt = stmt.where(Unit.kind.in_(kinds))
    rows = session.execute(stmt).all()
    return {
        uid: name
        if kind in ("district", "department", "street") or not above
        else f"{name}（{above}）"
        for uid, name, kind, above in rows
    }


def unit_by_label(labels: dict[int, str], text: str) -> int | None:
    wanted = text.strip()
    found = [uid for uid, label in labels.items() if label == wanted]
    return found[0] if len(found) == 1 else None


def staff_list(
    session: Session,
    needle: str = "",
    *,
    page: int = 1,
    page_size: int = 100,
    cursor: str | None = None,
) -> Listing[tuple[Staff, str]]:
    """Staff with their unit's name, by unit (its place in the tree), then name."""
    stmt = select(Staff, Unit.name).join(Unit, Unit.id == Staff.unit_id)
    if needle:
        stmt = stmt.where(
            or_(
                Staff.username.contains(needle, autoescape=True),
                Staff.name.contains(needle, autoescape=True),
                Unit.name.contains(needle, autoescape=True),
            )
        )
    order = [asc(Unit.path), asc(Staff.name), asc(Staff.id)]
    found = list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)
    return found.map(lambda r: (r[0], r[1]))
