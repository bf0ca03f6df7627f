from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class MarketEvent(Base):
    """One market (一场服务市集 / 赶圩日): when, where, around which themes, in which community.
    `area_id` is the community it is held in (or a street, for a street-wide market)."""

    __tablename__ = "market_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    themes: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    is_cancelled: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class MarketStall(Base):
    """A unit's stall (摊位) at a market: a department or a street, with its themes and the count
    of visitors its staff entered."""

    __tablename__ = "market_stalls"
    __table_args__ = (UniqueConstraint("event_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("market_events.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    themes: Mapped[list[str]] = mapped_column(JSON)
    visitors: Mapped[int] = mapped_column(default=0)


class MarketStallStaff(Base):
    """Who stands at a stall: the staff who may register matters there."""

    __tablename__ = "market_stall_staff"

    stall_id: Mapped[int] = mapped_column(ForeignKey("market_stalls.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)


class MarketMatter(Base):
    """What one person raised at a stall. A case (passed on or solved on the spot) keeps the
    person's name, phone and words on the appeal, read through the privacy policy; a policy
    question answered there keeps only the question and the answer (`question`, `answer`).
    `token` is the form's or the client's own id: a double submit finds the first matter."""

    __tablename__ = "market_matters"
    __table_args__ = (
        UniqueConstraint("stall_id", "token"),
        Index("ix_market_matters_event_id_outcome", "event_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("market_events.id"))
    stall_id: Mapped[int] = mapped_column(ForeignKey("market_stalls.id"), index=True)
    token: Mapped[str] = mapped_column(String(100))
    theme: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    question: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(index=True)
    solved_at: Mapped[datetime | None]
