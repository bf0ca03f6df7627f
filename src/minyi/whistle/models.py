from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Whistle(Base):
    """吹哨 / 发令: a street, community or grid summons departments to a case or a place."""

    __tablename__ = "whistles"
    __table_args__ = (
        Index("ix_whistles_status_created_at", "status", "created_at"),
        # The list's keyset order without a status: newest first, the id breaking ties.
        Index("ix_whistles_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    place_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    report_minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]


class Summons(Base):
    """One department summoned by a whistle: it reports in (报到) within its clock, acts, and the
    issuer confirms. `due_at` is the report-in clock's deadline, kept here for the statistics."""

    __tablename__ = "summonses"
    __table_args__ = (
        UniqueConstraint("whistle_id", "unit_id"),
        Index("ix_summonses_unit_id_summoned_at", "unit_id", "summoned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    whistle_id: Mapped[int] = mapped_column(ForeignKey("whistles.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    summoned_at: Mapped[datetime]
    due_at: Mapped[datetime]
    reported_at: Mapped[datetime | None]
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action_text: Mapped[str | None] = mapped_column(Text)
    acted_at: Mapped[datetime | None]
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    confirm_note: Mapped[str | None] = mapped_column(Text)
