"""The duty map: which unit owns each leaf of the current event dictionary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.caches import Slot
from minyi.org.models import Unit
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.triage.cache import VersionedCache
from minyi.triage.places.values import PlaceLike

# History records a unit that was the case's own street/community/grid as that role, so that
# "the street co-handles" learnt in one street carries over to the others.
OWN = {"street": "@street", "community": "@community", "grid": "@grid"}


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


DUTY_MAPS: Slot[VersionedCache[DutyMap]] = Slot(
    "triage.duty_map",
    lambda: VersionedCache(
        load_duty,
        lambda session: session.scalar(
            select(DictionaryVersion.id).where(DictionaryVersion.is_current.is_(True))
        ),
    ),
)


def own_token(code: str, place: PlaceLike) -> str:
    """The unit as history stores it: the case's own street is @street, a department itself."""
    for level, token in OWN.items():
        if code == getattr(place, level):
            return token
    return code
