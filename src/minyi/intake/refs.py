"""An in-process cache of what intake looks up for every appeal: channels, area units, leaves.

They change a few times a year; reading them per appeal would double intake's queries. A code
missing from the cache reloads it once, so a channel or unit added a moment ago still works.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.caches import Slot
from minyi.intake.models import Channel
from minyi.org.models import Staff, Unit
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion


@dataclass(frozen=True)
class ChannelRef:
    id: int
    code: str
    kind: str
    allows_anonymous: bool
    is_active: bool
    owner_unit_id: int | None


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    kind: str
    parent_id: int | None


@dataclass(frozen=True)
class LeafRef:
    id: int
    code: str
    class_name: str
    policy_code: str


@dataclass(frozen=True)
class Snapshot:
    channels: dict[str, ChannelRef]
    units: dict[str, UnitRef]
    units_by_id: dict[int, UnitRef]
    leaves: dict[str, LeafRef]
    dispatch_centre_id: int | None


def load_snapshot(session: Session) -> Snapshot:
    owners = dict(session.execute(select(Staff.id, Staff.unit_id)).all())
    channels = {
        c.code: ChannelRef(
            c.id, c.code, c.kind, c.allows_anonymous, c.is_active, owners.get(c.owner_staff_id or 0)
        )
        for c in session.scalars(select(Channel))
    }
    units = {
        code: UnitRef(uid, code, kind, parent)
        for uid, code, kind, parent in session.execute(
            select(Unit.id, Unit.code, Unit.kind, Unit.parent_id)
        )
    }
    leaves = {
        e.code: LeafRef(e.id, e.code, e.class_name, e.policy_code)
        for e in session.scalars(
            select(DictionaryEntry)
            .join(DictionaryVersion, DictionaryVersion.id == DictionaryEntry.version_id)
            .where(DictionaryVersion.is_current.is_(True))
        )
    }
    centre = units.get("DISPATCH")
    return Snapshot(
        channels=channels,
        units=units,
        units_by_id={u.id: u for u in units.values()},
        leaves=leaves,
        dispatch_centre_id=centre.id if centre else None,
    )


class RefCache:
    def __init__(self, max_age_seconds: float = 30.0) -> None:
        self._snapshot: Snapshot | None = None
        self._loaded_at = 0.0
        self._max_age = max_age_seconds
        self._lock = threading.Lock()

    def get(self, session: Session, *, must_have: tuple[str, str] | None = None) -> Snapshot:
        """The snapshot; reloaded when stale or when `must_have` = (table, code) is missing."""
        with self._lock:
            snap = self._snapshot
            stale = snap is None or time.monotonic() - self._loaded_at > self._max_age
            if not stale and must_have is not None and snap is not None:
                table, code = must_have
                stale = code not in getattr(snap, table)
            if stale:
                snap = self._snapshot = load_snapshot(session)
                self._loaded_at = time.monotonic()
            assert snap is not None
            return snap

    def clear(self) -> None:
        with self._lock:
            self._snapshot = None


# The runtime's: its API, pages and Open311 job look up the same snapshot.
REFS: Slot[RefCache] = Slot("intake.refs", RefCache)
