"""Tables of place finding: the names an administrator adds to the gazetteer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class GazetteerEntry(Base):
    """A road, estate, landmark or alias and the unit it lies in (or, for an alias, names).

    Roads cross several communities: the same name may be added once per unit it touches, and
    place finding then offers each of them as a candidate. An alias may also name a department
    ("城管" for the city-management bureau), which complaint-target detection reads.
    """

    __tablename__ = "gazetteer_entries"
    # No rowid reuse on SQLite: the gazetteer cache keys on (max id, count) to see changes.
    __table_args__ = (UniqueConstraint("name", "unit_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # road | estate | landmark | alias
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
