from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class ServiceSite(Base):
    """A place where the services are given (群众诉求服务中心/大厅/室/站点): a unit of the
    district (the district itself, a street or community hall, or a unit of kind site) with what
    a citizen needs to find it. `hours` is the hall's timetable as typed ('1-5 09:00-17:30')."""

    __tablename__ = "service_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    hours: Mapped[str] = mapped_column(String(200))
    is_bookable: Mapped[bool] = mapped_column(default=True)  # shown on the portal
    created_at: Mapped[datetime]


class SiteRoom(Base):
    """A window or a room of a site (诉求处理窗口, 心理咨询室, 在线司法确认室 ...)."""

    __tablename__ = "site_rooms"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("service_sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(60))


class SiteStaff(Base):
    """A professional serving at a site as one kind (a lawyer may also mediate: two rows), with
    their own hours there ('2,4 14:00-17:00'; empty: the site's) and, for a counsellor, the
    supervisor who may read their notes."""

    __tablename__ = "site_staff"
    __table_args__ = (UniqueConstraint("site_id", "staff_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("service_sites.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    hours: Mapped[str | None] = mapped_column(String(200))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    is_active: Mapped[bool] = mapped_column(default=True)


class Appointment(Base):
    """A citizen's appointment with a professional at a site: booked on the portal or at a
    window. `ref` is the confirmation number, the only key the portal shows; `case_id` the case
    it serves, once there is one."""

    __tablename__ = "service_appointments"
    __table_args__ = (Index("ix_service_appointments_staff_id_starts_at", "staff_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("service_sites.id"), index=True)
    service: Mapped[str] = mapped_column(String(20), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))
    via: Mapped[str] = mapped_column(String(10))  # portal | window
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    booked_at: Mapped[datetime]
    came_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class ServiceDayCount(Base):
    """One registration day's (district time) cases of one class and chosen service: how many,
    and how many are closed now. Folded in by the area roll-up's job for the days it folds, from
    the same day marks (services/rollup.py, docs/decisions/0011-area-rollup.md), so the services
    hub and the report read 30 days of cases as a few hundred rows. Keyed by the case's own two
    columns, not by the service they resolve to, so a change of `SERVICE_OF_CLASS` needs no
    rebuild."""

    __tablename__ = "service_day_counts"
    __table_args__ = (Index("ix_service_day_counts_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    class_name: Mapped[str | None] = mapped_column(String(20))
    service: Mapped[str | None] = mapped_column(String(20))
    cases: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
