"""The complaint-target detector of a database: the registry, the gazetteer's aliases and the
staff, cached per table version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.caches import Slot
from minyi.org.models import Staff, Unit
from minyi.triage.accused.detector import AccusedDetector, AccusedFinding, StaffRef
from minyi.triage.cache import VersionedCache, table_version
from minyi.triage.models import GazetteerEntry
from minyi.triage.places.store import load_entries, load_units
from minyi.triage.places.values import PlaceLike


def load_staff(session: Session) -> list[StaffRef]:
    rows = session.execute(
        select(Staff.username, Staff.name, Staff.title, Unit.code, Staff.is_active).join(
            Unit, Unit.id == Staff.unit_id
        )
    )
    return [StaffRef(*row) for row in rows]


def load_detector(session: Session) -> AccusedDetector:
    return AccusedDetector.build(load_units(session), load_staff(session), load_entries(session))


DETECTORS: Slot[VersionedCache[AccusedDetector]] = Slot(
    "triage.accused_detector",
    lambda: VersionedCache(
        load_detector, lambda session: table_version(session, Unit, Staff, GazetteerEntry)
    ),
)


def detector_for(session: Session) -> AccusedDetector:
    """The cached detector of the session's database."""
    return DETECTORS.of(session).get(session)


def find_accused(
    source: Session | AccusedDetector, text: str | None, place: PlaceLike | None = None
) -> AccusedFinding:
    detector = source if isinstance(source, AccusedDetector) else detector_for(source)
    return detector.find(text, place)
