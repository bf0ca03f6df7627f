from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Reception(Base):
    """领导接访日: one leader receiving citizens on one day at one place (the district's reception
    hall, a street's or a community's service hall). `people` is how many citizens were received
    (人次), recorded after it; `summary` the record's own words."""

    __tablename__ = "receptions"
    __table_args__ = (Index("ix_receptions_leader_id_day", "leader_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    place: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    held_at: Mapped[datetime | None] = mapped_column(index=True)
    people: Mapped[int] = mapped_column(default=0)
    summary: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cancelled_at: Mapped[datetime | None]


class ReceptionSlot(Base):
    __tablename__ = "reception_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]


class ReceptionBooking(Base):
    """A citizen at a reception: booked on the portal (with a slot) or walked in (recorded by
    staff, no slot). One row per phone per reception, so a second booking with the same phone
    answers the first. `ref` is the booking's confirmation number, the only key the portal
    shows; `case_id` the case the matter became."""

    __tablename__ = "reception_bookings"
    __table_args__ = (UniqueConstraint("reception_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id"), index=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("reception_slots.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    matter: Mapped[str] = mapped_column(Text)
    people: Mapped[int] = mapped_column(default=1)
    booked_at: Mapped[datetime]
    came_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    is_held: Mapped[bool] = mapped_column(default=False)  # the leader took the case (包案)


class ReceptionVisit(Base):
    """家访: a home visit after a reception, to one citizen received there (or to the place)."""

    __tablename__ = "reception_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("reception_bookings.id"))
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    visited_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    people: Mapped[int]
    notes: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime]
