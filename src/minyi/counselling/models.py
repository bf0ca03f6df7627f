from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class CounsellingRecord(Base):
    """心理服务档案: one client of one counsellor at a site, opened from an appointment or a
    walk-in, linked to the case when there is one. `risk_level` is rules.RiskLevel; `risk_from`
    says what set it last ('triage' when a self-harm flag started it at 高)."""

    __tablename__ = "counselling_records"
    __table_args__ = (
        Index("ix_counselling_records_counsellor_id_status", "counsellor_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("service_sites.id"), index=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("service_appointments.id"))
    client_name: Mapped[str] = mapped_column(String(60))
    client_phone: Mapped[str] = mapped_column(String(20))
    risk_level: Mapped[str] = mapped_column(String(10), index=True)
    risk_from: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    opened_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]


class CounsellingSession(Base):
    """A session held: when, where, how long, and the counsellor's notes (read only by the
    author and the author's supervisor)."""

    __tablename__ = "counselling_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("counselling_records.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("service_appointments.id"))
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("site_rooms.id"))
    held_at: Mapped[datetime] = mapped_column(index=True)
    minutes: Mapped[int]
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]


class CounsellingFollowUp(Base):
    """A follow-up planned on a record (回访), and when it was done with the counsellor's note
    (private like a session's)."""

    __tablename__ = "counselling_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("counselling_records.id"), index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    planned_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    planned_at: Mapped[datetime]
    done_at: Mapped[datetime | None] = mapped_column(index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    notes: Mapped[str | None] = mapped_column(Text)


class TalkSession(Base):
    """话聊: a counsellor, a lawyer and a mediator with the citizen of one case. `summary` is what
    may leave the room (the plan agreed), read by whoever reads the case; `notes` are the
    counsellor's own, private like a session's."""

    __tablename__ = "counselling_talks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime]
    site_id: Mapped[int | None] = mapped_column(ForeignKey("service_sites.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("site_rooms.id"))
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    lawyer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    planned_at: Mapped[datetime | None]
    held_at: Mapped[datetime | None] = mapped_column(index=True)
    minutes: Mapped[int | None]
    summary: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
