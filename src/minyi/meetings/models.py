from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Meeting(Base):
    """联席会议: the district's joint office (区信联办) or a street (街道联席会议) meets its member
    units on hard cases. `street_id` is set for a street meeting only."""

    __tablename__ = "joint_meetings"
    __table_args__ = (Index("ix_joint_meetings_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))  # district | street
    street_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    convener_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(10))  # planned | held
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    held_at: Mapped[datetime | None]


class MeetingUnit(Base):
    """A member unit (成员单位) called to the meeting."""

    __tablename__ = "joint_meeting_units"
    __table_args__ = (UniqueConstraint("meeting_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("joint_meetings.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)


class AgendaItem(Base):
    """A case on the meeting's agenda (议题), in `position` order, with the meeting's decision
    once recorded. The tasks the decision gives units are supervision tasks (their instruction's
    `subject_ref` names this item), so they sit in each unit's to-do list with a clock."""

    __tablename__ = "joint_meeting_items"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("joint_meetings.id"), index=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    position: Mapped[int]
    # Why the case is hard, as the candidates list said when it was added (e.g. 提级、超期).
    reasons: Mapped[str | None] = mapped_column(String(200))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime]
    decision: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
