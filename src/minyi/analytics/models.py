"""Tables of analytics: early-warning alerts and class-governance sweeps, plus the indexes the
assessment and hotspot queries need on tables other packages own (declared here so those
packages' files stay theirs; SQLAlchemy attaches them to the tables all the same)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.cases.models import Bounce, Case, CaseEvent, CaseUnit
from minyi.core.db import Base


class Alert(Base):
    """弱信号: one early-warning alert with its evidence. `key` makes it raised once: the same
    burst (place, class, day), the same citizen at the same tier of repeats, the same crowd at
    the same tier of size. Acknowledged by a person, never deleted."""

    __tablename__ = "analytics_alerts"
    __table_args__ = (Index("ix_analytics_alerts_status_raised_at", "status", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # burst | repeat_petitioner | crowd_growth
    level: Mapped[str] = mapped_column(String(10))  # yellow | red
    title: Mapped[str] = mapped_column(String(300))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    class_name: Mapped[str | None] = mapped_column(String(20))
    day: Mapped[str] = mapped_column(String(10))  # the local day (YYYY-MM-DD) it was raised for
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raised_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | acknowledged
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    acknowledged_at: Mapped[datetime | None]
    ack_note: Mapped[str | None] = mapped_column(Text)


class Sweep(Base):
    """办结一件、化解一类: a sweep started from one case over places of the same kind. The work
    itself is an instruction (批示) whose tasks the units complete (minyi.supervision); this row
    keeps what the sweep is about: the similar cases found and the places to go through."""

    __tablename__ = "analytics_sweeps"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"), unique=True)
    place_kind: Mapped[str] = mapped_column(String(20))
    place_filter: Mapped[str | None] = mapped_column(String(60))
    similar_case_ids: Mapped[list[Any]] = mapped_column(default=list)
    places: Mapped[list[Any]] = mapped_column(default=list)  # [{"name", "unit"}]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


# The leader dashboard's area roll-up (analytics/rollups.py says how it stays exact).
class AreaFigures:
    """The five figures both roll-up tables carry (rollups.FIGURES names them in this order): a
    day's row and the totals are summed into each other column by column, so they must not
    drift apart."""

    cases: Mapped[int] = mapped_column(default=0)
    open: Mapped[int] = mapped_column(default=0)
    overdue: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    unsatisfied: Mapped[int] = mapped_column(default=0)


class AreaDayCount(AreaFigures, Base):
    """One registration day's cases of one (street, community), folded in by the job."""

    __tablename__ = "area_day_counts"
    __table_args__ = (Index("ix_area_day_counts_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date]
    street_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


class AreaTotal(AreaFigures, Base):
    """The sum of `area_day_counts` per (street, community): a few hundred rows a district."""

    __tablename__ = "area_totals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


# Read paths of the assessment and the hotspot pass: every figure is a GROUP BY unit over one
# period of the whole district, so each index starts with the period column and carries the
# unit, and the count never leaves the index.
Index("ix_cases_closed_at_lead_unit_id", Case.closed_at, Case.lead_unit_id)
Index("ix_case_units_assigned_at_unit_id", CaseUnit.assigned_at, CaseUnit.unit_id)
Index("ix_bounces_requested_at_unit_id", Bounce.requested_at, Bounce.unit_id)
Index("ix_case_events_action_at", CaseEvent.action, CaseEvent.at)
# ix_cases_registered_at and ix_clocks_breached_at, which these passes read too, are declared by
# reports/models.py.
