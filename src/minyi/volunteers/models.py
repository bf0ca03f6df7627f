from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Volunteer(Base):
    """A registered volunteer of one community. `code` (志愿者编号) is shown to the volunteer and
    printed on their card; alone it proves nothing (the portal also asks the phone's last four
    digits). One row per phone: registering the same phone again answers the same volunteer."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # `portal` (the resident registered themselves) or `staff` (entered by community staff).
    registered_via: Mapped[str] = mapped_column(String(10))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    registered_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decision_note: Mapped[str | None] = mapped_column(String(200))


class VolunteerReport(Base):
    """One problem a volunteer reported. `token` is the form's one-time token: a double submit
    answers the same report. `case_id` is the case intake registered for it; `matter_case_id`
    the case it is about once verified (the earlier case when triage found it repeats one)."""

    __tablename__ = "volunteer_reports"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "token"),
        Index("ix_volunteer_reports_state_submitted_at", "state", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    token: Mapped[str] = mapped_column(String(40))
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    submitted_at: Mapped[datetime]
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    matter_case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decision_note: Mapped[str | None] = mapped_column(String(200))


class PointRule(Base):
    """How many points an event earns: `kind` says which event (a report verified, its case
    closed), `class_name` narrows it to one of the five classes (NULL: any class; a class's own
    rule wins over the general one). Edited by an administrator; never deleted (the ledger names
    it), only switched off."""

    __tablename__ = "volunteer_point_rules"
    __table_args__ = (
        UniqueConstraint("kind", "class_name"),
        CheckConstraint("points >= 0 AND points <= 10000", name="points_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    class_name: Mapped[str | None] = mapped_column(String(20))
    points: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class PointEntry(Base):
    """One line of the points ledger (积分明细). Append-only: nothing updates or deletes a row.

    No double reward, held by the database and not only by the code: one award per volunteer,
    case and rule, and one award of each kind per matter (`matter_case_id`, the case a report is
    about: the earlier case when triage found the report repeats one), whoever reported it."""

    __tablename__ = "volunteer_point_entries"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "case_id", "rule_id"),
        UniqueConstraint("matter_case_id", "kind"),
        Index("ix_volunteer_point_entries_volunteer_id_id", "volunteer_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("volunteer_reports.id"), index=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"))
    matter_case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("volunteer_point_rules.id"))
    kind: Mapped[str] = mapped_column(String(20))
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
