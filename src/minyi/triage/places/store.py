"""The gazetteer of a database: built from the unit registry and the added names, cached per
table version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.caches import Slot
from minyi.org.models import Unit
from minyi.triage.cache import VersionedCache, table_version
from minyi.triage.models import GazetteerEntry
from minyi.triage.places.gazetteer import Gazetteer
from minyi.triage.places.values import NamedPlace, PlaceCandidate, RegistryUnit


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


GAZETTEERS: Slot[VersionedCache[Gazetteer]] = Slot(
    "triage.gazetteer",
    lambda: VersionedCache(
        load_gazetteer, lambda session: table_version(session, Unit, GazetteerEntry)
    ),
)


def gazetteer_for(session: Session) -> Gazetteer:
    """The cached gazetteer of the session's database."""
    return GAZETTEERS.of(session).get(session)


def find_place(
    source: Session | Gazetteer, text: str | None, address: str | None = None, *, limit: int = 5
) -> list[PlaceCandidate]:
    gazetteer = source if isinstance(source, Gazetteer) else gazetteer_for(source)
    return gazetteer.find_place(text, address, limit=limit)
