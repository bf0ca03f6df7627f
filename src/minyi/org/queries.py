"""Read-side lists of the organisation for administrators' forms."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from minyi.org.models import Staff, Unit


def unit_labels(session: Session, *, active_only: bool = True, kinds: tuple[str, ...] = ()) -> dict[int, str]:
    """Every unit by id with a label a person can pick from a list: its name, and its parent's
    name where names repeat across the tree (第3网格 is in many communities)."""
    parent = aliased(Unit)
    stmt = select(Unit.id, Unit.name, Unit.kind, parent.name).outerjoin(parent, parent.id == Unit.parent_id).order_by(Unit.path)
    if active_only:
        stmt = stmt.where(Unit.is_active.is_(True))
    if kinds:
        stmt = stmt.where(Unit.kind.in_(kinds))
    rows = session.execute(stmt).all()
    return {uid: name if kind in ("district", "department", "street") or not above else f"{name}（{above}）"
            for uid, name, kind, above in rows}


def unit_by_label(labels: dict[int, str], text: str) -> int | None:
    wanted = text.strip()
    found = [uid for uid, label in labels.items() if label == wanted]
    return found[0] if len(found) == 1 else None


def staff_list(needle: str = "", *, limit: int = 100, offset: int = 0) -> Select[tuple[Staff, str]]:
    stmt = select(Staff, Unit.name).join(Unit, Unit.id == Staff.unit_id).order_by(Unit.path, Staff.name, Staff.id)
    if needle:
        stmt = stmt.where(or_(
            Staff.username.contains(needle, autoescape=True), Staff.name.contains(needle, autoescape=True),
            Unit.name.contains(needle, autoescape=True),
        ))
    return stmt.limit(limit).offset(offset)
