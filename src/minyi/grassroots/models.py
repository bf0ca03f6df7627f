from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Road(Base):
    """A road or lane (路/巷) of a grid: a party member may cover a whole road (包路)."""

    __tablename__ = "roads"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class Building(Base):
    """A building (楼栋) of a grid. `last_visited_at` is the latest patrol's time, kept on the row
    so the coverage of a whole district is one scan of this table, not an aggregate of a year
    of patrols."""

    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    road_id: Mapped[int | None] = mapped_column(ForeignKey("roads.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    households: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_visited_at: Mapped[datetime | None]


class Household(Base):
    """A household (户) of a building: its door (`room`, e.g. 2单元301) and, optionally, its
    head's name and phone, which reach readers only through the privacy policy
    (privacy.rules.household_head). Optional: a building is covered without any."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    room: Mapped[str] = mapped_column(String(60))
    head_name: Mapped[str | None] = mapped_column(String(60))
    head_phone: Mapped[str | None] = mapped_column(String(20))
    members: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_visited_at: Mapped[datetime | None]


class PartyBranch(Base):
    """A party branch (党支部) of a community, built in a residential estate or on a grid
    (支部建在小区 / 支部建在网格上)."""

    __tablename__ = "party_branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    place: Mapped[str | None] = mapped_column(String(100))
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Assignment(Base):
    """包路进楼联户: one person covers one road (every building on it) or one building, and visits
    it at least every `visit_days` days. Ended assignments stay for the record (`ended_at`)."""

    __tablename__ = "coverage_assignments"
    __table_args__ = (
        CheckConstraint("(road_id IS NULL) <> (building_id IS NULL)", name="road_or_building"),
        Index("ix_coverage_assignments_staff_id_ended_at", "staff_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(20))
    road_id: Mapped[int | None] = mapped_column(ForeignKey("roads.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("party_branches.id"), index=True)
    visit_days: Mapped[int]
    assigned_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Patrol(Base):
    """巡查 / 走访: one visit to a building (and, when entered, one household of it), with what
    was found. A finding raised as a grid event names its case (`case_id`); how the grid chose
    to handle that event is `handling` (grassroots.rules.Handling), with the whistle it blew."""

    __tablename__ = "patrols"
    __table_args__ = (Index("ix_patrols_building_id_visited_at", "building_id", "visited_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(index=True)
    finding: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    handling: Mapped[str | None] = mapped_column(String(12))
    handled_at: Mapped[datetime | None]
    whistle_id: Mapped[int | None] = mapped_column(ForeignKey("whistles.id"), index=True)


class PatrolPhoto(Base):
    """A photo taken on a patrol, stored in the attachments' content store under its SHA-256;
    it joins the case's attachments when the finding becomes a case."""

    __tablename__ = "patrol_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("patrols.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
