"""Administering the gazetteer: the roads, estates, landmarks and aliases an administrator adds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.org.models import Unit
from minyi.triage.models import GazetteerEntry
from minyi.triage.places.values import (
    ALIAS_UNIT_KINDS,
    ENTRY_KINDS,
    NAME_MAX,
    NAME_MIN,
    PLACE_UNIT_KINDS,
)
from minyi.triage.text import fold_width


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
