"""Tables of analytics: early-warning alerts and class-governance sweeps, plus the indexes the
assessment and hotspot queries need on tables other packages own (declared here so those
packages' files stay theirs; SQLAlchemy attaches them to the tables all the same)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import Select

from minyi.analytics.rules import CLOSURE_MILESTONES
from minyi.cases.models import Bounce, Case, CaseEvent, CaseUnit, UnitDayMark, mark_days
from minyi.core.clock import local_day
from minyi.core.db import Base, flush_changes
from minyi.sla.models import Clock
from minyi.triage.models import AppealLink
from minyi.whistle.models import Summons


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


class HotspotPass(Base):
    """The daily hotspot pass as the worker last computed it (analytics/hotspot_passes.py): the
    hottest clusters over the `window_days` days ending with `day`, as `Hotspot` dicts. Pages
    read this row; they never cluster on a request."""

    __tablename__ = "hotspot_passes"
    __table_args__ = (UniqueConstraint("day", "window_days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int]
    computed_at: Mapped[datetime]
    hotspots: Mapped[list[Any]] = mapped_column(default=list)


# Read paths of the assessment and the hotspot pass: every figure is a GROUP BY unit over one
# period of the whole district, so each index starts with the period column and carries the
# unit, and the count never leaves the index.
Index("ix_cases_closed_at_lead_unit_id", Case.closed_at, Case.lead_unit_id)
Index("ix_case_units_assigned_at_unit_id", CaseUnit.assigned_at, CaseUnit.unit_id)
Index("ix_bounces_requested_at_unit_id", Bounce.requested_at, Bounce.unit_id)
Index("ix_case_events_action_at", CaseEvent.action, CaseEvent.at)
# ix_cases_registered_at and ix_clocks_breached_at, which these passes read too, are declared by
# reports/models.py.


# --- The assessment's unit roll-up (analytics/unit_rollup.py says how it stays exact) ----------
class UnitDayFigures(Base):
    """One unit's additive assessment figures of one day (district time), recomputed by the job."""

    __tablename__ = "unit_day_figures"
    __table_args__ = (UniqueConstraint("day", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    assigned: Mapped[int] = mapped_column(default=0)
    signed_in_time: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    closed_on_time: Mapped[int] = mapped_column(default=0)
    closed_first_time: Mapped[int] = mapped_column(default=0)
    repeated: Mapped[int] = mapped_column(default=0)
    feedback: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    bounces: Mapped[int] = mapped_column(default=0)
    summoned: Mapped[int] = mapped_column(default=0)
    reported_in_time: Mapped[int] = mapped_column(default=0)


class UnitLateOpen(Base):
    """The "still open at the period's end with a closure clock breached within it" count
    (未按期办结) as a roll-up (analytics/unit_rollup.py, `late_open_counts`): per unit, breach day
    `day` (district time) and `until`, how many cases had a closure clock breached that day and
    stay late-open from it until `until`: the first later day the case either closes (its
    `closed_at` day) or breaches again (its next breach day, which counts it from there on);
    NULL: neither yet. A period of whole days [S, E) counts the rows with S <= day < E and
    until NULL or >= E: each case once, at its last breach day before E."""

    __tablename__ = "unit_late_open_days"
    __table_args__ = (Index("ix_unit_late_open_days_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    cases: Mapped[int]


_UNIT_MARKED = "minyi.analytics.unit_marked_days"


def _days_of(obj: Any, attr: str) -> set[date]:
    """The days of an attribute's value now and before this flush's change to it."""
    history = inspect(obj).attrs[attr].history
    values = [*history.deleted, getattr(obj, attr)]
    return {local_day(at) for at in values if at is not None}


def _changed(obj: Any, *attrs: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


_MARKING_KINDS = (CaseUnit, Case, CaseEvent, Bounce, Summons, Clock, AppealLink)


def _mark_unit_days(session: Session, _context: Any, _instances: Any) -> None:
    """Before every flush of every session: a mark per day whose assessment figures a change in
    this flush may alter, once per day and transaction.

    - a lead assignment (`case_units`): its `assigned_at` day;
    - a case: its `closed_at` day, old and new (closed, on time, first time, repeated); a case
      whose status or lead unit changes or that is removed also marks the `assigned_at` days of
      its lead assignments (the case service signs for and un-signs them with a core UPDATE that
      no listener sees) and, when its lead unit changes or it is removed, the days of its
      feedback events (counted for the lead unit of now);
    - a closure clock whose breach changes: its case's `closed_at` day (on time);
    - the late-open roll-up (`UnitLateOpen`): a closure clock whose breach changes marks its
      breach day, old and new, and a case whose `closed_at` or lead unit changes, or such a
      clock, marks every closure-breach day of the case (each day's row depends on the case's
      next breach, its closure and its lead unit);
    - a `repeat` link: the `closed_at` day of the case of the appeal it points at;
    - a feedback event, a bounce request, a summons: the day of its moment.

    On the Session class for the reason the area roll-up's listener is (cases/models.py); core
    statements bypass it (analytics/unit_rollup.py and ADR 0012 say which do and why that is
    safe)."""
    days: set[date] = set()
    probe_units: set[int] = set()
    probe_feedback: set[int] = set()
    clock_cases: set[int] = set()
    linked_appeals: set[int] = set()
    breach_cases: set[int] = set()
    with session.no_autoflush:
        for obj, gone in flush_changes(session, _MARKING_KINDS):
            if isinstance(obj, CaseUnit):
                days |= _days_of(obj, "assigned_at")
            elif isinstance(obj, Case):
                days |= _days_of(obj, "closed_at")
                if inspect(obj).pending:
                    continue
                if gone or _changed(obj, "status", "lead_unit_id"):
                    probe_units.add(obj.id)
                if gone or _changed(obj, "lead_unit_id"):
                    probe_feedback.add(obj.id)
                if gone or _changed(obj, "closed_at", "lead_unit_id"):
                    breach_cases.add(obj.id)
            elif isinstance(obj, CaseEvent):
                if obj.action == "feedback":
                    days |= _days_of(obj, "at")
            elif isinstance(obj, Bounce):
                days |= _days_of(obj, "requested_at")
            elif isinstance(obj, Summons):
                days |= _days_of(obj, "summoned_at")
            elif isinstance(obj, Clock):
                if (
                    obj.case_id is not None
                    and obj.subject == "case"
                    and obj.milestone in CLOSURE_MILESTONES
                    and (_changed(obj, "breached_at", "case_id") or (gone and obj.breached_at))
                ):
                    clock_cases.add(obj.case_id)
                    breached = _days_of(obj, "breached_at")
                    if breached:
                        days |= breached
                        breach_cases.add(obj.case_id)
            elif isinstance(obj, AppealLink):
                if "repeat" in (obj.kind, *inspect(obj).attrs.kind.history.deleted):
                    linked_appeals |= {obj.other_id, *inspect(obj).attrs.other_id.history.deleted}
        probes: list[Select[Any]] = []
        if probe_units:
            probes.append(
                select(CaseUnit.assigned_at).where(
                    CaseUnit.case_id.in_(probe_units), CaseUnit.role == "lead"
                )
            )
        if probe_feedback:
            probes.append(
                select(CaseEvent.at).where(
                    CaseEvent.case_id.in_(probe_feedback), CaseEvent.action == "feedback"
                )
            )
        if clock_cases:
            probes.append(select(Case.closed_at).where(Case.id.in_(clock_cases)))
        if breach_cases:
            probes.append(
                select(Clock.breached_at).where(
                    Clock.case_id.in_(breach_cases),
                    Clock.subject == "case",
                    Clock.milestone.in_(CLOSURE_MILESTONES),
                    Clock.breached_at.is_not(None),
                )
            )
        linked_appeals.discard(None)  # type: ignore[arg-type]
        if linked_appeals:
            probes.append(select(Case.closed_at).where(Case.appeal_id.in_(linked_appeals)))
        if probes:
            # One round trip for all of them: a flush of fired clocks runs two probes.
            found = session.scalars(probes[0] if len(probes) == 1 else union_all(*probes))
            days |= {local_day(at) for at in found if at is not None}
    mark_days(session, days, UnitDayMark, key=_UNIT_MARKED)


event.listen(Session, "before_flush", _mark_unit_days)
