"""Read-side lookups of the event dictionary for the forms that choose a leaf by its names."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion


@dataclass(frozen=True)
class LeafChoice:
    code: str
    class_name: str
    path: tuple[str, ...]  # level 2 to 4, the names a person searches by


def leaf_choices(session: Session) -> list[LeafChoice]:
    """The current dictionary's leaves in code order (which keeps siblings together)."""
    rows = session.execute(
        select(
            DictionaryEntry.code,
            DictionaryEntry.class_name,
            DictionaryEntry.level2,
            DictionaryEntry.level3,
            DictionaryEntry.level4,
        )
        .join(DictionaryVersion, DictionaryVersion.id == DictionaryEntry.version_id)
        .where(DictionaryVersion.is_current.is_(True))
        .order_by(DictionaryEntry.code)
    ).all()
    return [
        LeafChoice(r.code, r.class_name, tuple(p for p in (r.level2, r.level3, r.level4) if p))
        for r in rows
    ]


def leaf_code_of(session: Session, entry_id: int | None) -> str | None:
    return (
        session.scalar(select(DictionaryEntry.code).where(DictionaryEntry.id == entry_id))
        if entry_id
        else None
    )
