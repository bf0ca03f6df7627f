"""Reads of the service sites: sites with their rooms and people, who provides a service where,
free times for a booking, appointments, and the five services side by side."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.core.clock import as_utc
from minyi.core.errors import NotFound
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import appointment_view, mask_name, mask_phone
from minyi.services.models import Appointment, ServiceSite, SiteRoom, SiteStaff
from minyi.services.rollup import period_counts
from minyi.services.rules import (
    APPOINTMENT_LABELS,
    CATEGORY_LABELS,
    PROVIDER_OF,
    ROOM_LABELS,
    SERVICE_LABELS,
    STAFF_KIND_LABELS,
    AppointmentStatus,
    Opening,
    RoomKind,
    Service,
    SiteCategory,
    StaffKind,
    parse_openings,
    service_of,
)


@dataclass(frozen=True)
class SiteRow:
    id: int
    unit_id: int
    name: str
    path: str
    category: str
    address: str
    phone: str | None
    hours: str
    is_bookable: bool


@dataclass(frozen=True)
class Provider:
    site_staff_id: int
    staff_id: int
    name: str
    kind: str
    hours: str | None
    supervisor_id: int | None


def _site_row(site: ServiceSite, unit: Unit) -> SiteRow:
    return SiteRow(
        site.id,
        unit.id,
        unit.name,
        unit.path,
        site.category,
        site.address,
        site.phone,
        site.hours,
        site.is_bookable,
    )


def get_site(session: Session, site_id: int) -> SiteRow:
    row = session.execute(
        select(ServiceSite, Unit)
        .join(Unit, Unit.id == ServiceSite.unit_id)
        .where(ServiceSite.id == site_id)
    ).first()
    if row is None:
        raise NotFound("site_not_found", "没有找到该服务站点")
    return _site_row(row[0], row[1])


def list_sites(
    session: Session, *, service: Service | None = None, bookable_only: bool = False
) -> list[SiteRow]:
    """Sites in the order of the area tree; with `service`, only those where someone provides it
    (complaint handling and relief are given at every site's appeal window)."""
    stmt = select(ServiceSite, Unit).join(Unit, Unit.id == ServiceSite.unit_id)
    if bookable_only:
        stmt = stmt.where(ServiceSite.is_bookable.is_(True))
    kind = PROVIDER_OF.get(service) if service is not None else None
    if kind is not None:
        stmt = stmt.where(
            select(SiteStaff.id)
            .where(
                SiteStaff.site_id == ServiceSite.id,
                SiteStaff.kind == kind.value,
                SiteStaff.is_active.is_(True),
            )
            .exists()
        )
    return [_site_row(s, u) for s, u in session.execute(stmt.order_by(Unit.path)).all()]


def rooms(session: Session, site_id: int) -> list[SiteRoom]:
    return list(
        session.scalars(select(SiteRoom).where(SiteRoom.site_id == site_id).order_by(SiteRoom.id))
    )


def providers(session: Session, site_id: int, kind: StaffKind | None = None) -> list[Provider]:
    stmt = (
        select(SiteStaff, Staff.name)
        .join(Staff, Staff.id == SiteStaff.staff_id)
        .where(
            SiteStaff.site_id == site_id,
            SiteStaff.is_active.is_(True),
            Staff.is_active.is_(True),
        )
        .order_by(SiteStaff.kind, Staff.name)
    )
    if kind is not None:
        stmt = stmt.where(SiteStaff.kind == kind.value)
    return [
        Provider(s.id, s.staff_id, name, s.kind, s.hours, s.supervisor_id)
        for s, name in session.execute(stmt).all()
    ]


def kinds_of(session: Session, staff_id: int) -> set[StaffKind]:
    """What a person serves as, at any site."""
    return {
        StaffKind(k)
        for k in session.scalars(
            select(SiteStaff.kind).where(
                SiteStaff.staff_id == staff_id, SiteStaff.is_active.is_(True)
            )
        )
    }


def serves_as(session: Session, staff_id: int, kind: StaffKind, site_id: int | None = None) -> bool:
    stmt = select(SiteStaff.id).where(
        SiteStaff.staff_id == staff_id,
        SiteStaff.kind == kind.value,
        SiteStaff.is_active.is_(True),
    )
    if site_id is not None:
        stmt = stmt.where(SiteStaff.site_id == site_id)
    return session.scalar(stmt.limit(1)) is not None


def supervisor_of(session: Session, staff_id: int) -> set[int]:
    """The supervisors of a professional (at any of their sites)."""
    return {
        s
        for s in session.scalars(
            select(SiteStaff.supervisor_id).where(
                SiteStaff.staff_id == staff_id, SiteStaff.supervisor_id.is_not(None)
            )
        )
        if s is not None
    }


def openings_of(site_hours: str, own_hours: str | None) -> list[Opening]:
    """A professional's openings at a site: their own hours there, else the site's."""
    return parse_openings(own_hours or site_hours)


def free_times(
    session: Session,
    site_id: int,
    staff_id: int,
    day: date,
    minutes: int,
    tz: tzinfo,
    now: datetime,
) -> list[datetime]:
    """The start times (every `minutes` from each opening's start) on `day` at which the
    professional is free, later than now."""
    site = session.get(ServiceSite, site_id)
    row = session.scalar(
        select(SiteStaff).where(
            SiteStaff.site_id == site_id,
            SiteStaff.staff_id == staff_id,
            SiteStaff.is_active.is_(True),
        )
    )
    if site is None or row is None:
        return []
    start_of_day = datetime.combine(day, time(0), tzinfo=tz)
    taken = [
        (as_utc(a.starts_at), as_utc(a.ends_at))
        for a in session.scalars(
            select(Appointment).where(
                Appointment.staff_id == staff_id,
                Appointment.status == AppointmentStatus.BOOKED.value,
                Appointment.starts_at >= start_of_day - timedelta(hours=4),
                Appointment.starts_at < start_of_day + timedelta(days=1),
            )
        )
    ]
    step = timedelta(minutes=minutes)
    free: list[datetime] = []
    for opening in openings_of(site.hours, row.hours):
        if opening.weekday != day.weekday():
            continue
        at = datetime.combine(day, opening.opens, tzinfo=tz)
        closes = datetime.combine(day, opening.closes, tzinfo=tz)
        while at + step <= closes:
            if at > now and not any(s < at + step and at < e for s, e in taken):
                free.append(at)
            at += step
    return free


def get_appointment(
    session: Session, appointment_id: int, *, for_update: bool = False
) -> Appointment:
    stmt = select(Appointment).where(Appointment.id == appointment_id)
    if for_update:
        stmt = stmt.with_for_update()
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("appointment_not_found", "没有找到该预约")
    return found


def appointments_of_site(
    session: Session, site_id: int, since: datetime, until: datetime
) -> list[Appointment]:
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.site_id == site_id,
                Appointment.starts_at >= since,
                Appointment.starts_at < until,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )


def case_service(case: Case) -> Service:
    return service_of(case.class_name, case.service)


def cases_by_service(session: Session, since: datetime, until: datetime) -> dict[Service, int]:
    """Cases registered in [since, until) per service, the five side by side (zeros included)."""
    return {s: received for s, (received, _) in service_totals(session, since, until).items()}


def service_totals(
    session: Session, since: datetime, until: datetime
) -> dict[Service, tuple[int, int]]:
    """Per service, the cases registered in [since, until) and how many of them are closed
    (cases.rules.CLOSED, the report's meaning): the period's whole days from the per-day roll-up,
    its partial ends and the days changed since the roll-up's last run counted live
    (services/rollup.py)."""
    received: Counter[Service] = Counter()
    closed: Counter[Service] = Counter()
    for (class_name, chosen), (n, done) in period_counts(session, since, until).items():
        service = service_of(class_name, chosen)
        received[service] += n
        closed[service] += done
    return {s: (received[s], closed[s]) for s in Service}


def appointments_by_service(
    session: Session, since: datetime, until: datetime
) -> dict[Service, tuple[int, int]]:
    """Per service, appointments starting in [since, until) and how many the citizen came to."""
    rows = session.execute(
        select(
            Appointment.service,
            func.count(),
            func.count().filter(Appointment.status == AppointmentStatus.ATTENDED.value),
        )
        .where(Appointment.starts_at >= since, Appointment.starts_at < until)
        .group_by(Appointment.service)
    ).all()
    found = {Service(service): (n, came) for service, n, came in rows}
    return {s: found.get(s, (0, 0)) for s in Service}


# --- appointments as the pages, the API and the CLI show them -----------------------------------
def appointments_of_staff(
    session: Session, staff_id: int, since: datetime, until: datetime
) -> list[Appointment]:
    """A professional's appointments in [since, until), earliest first."""
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.staff_id == staff_id,
                Appointment.starts_at >= since,
                Appointment.starts_at < until,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )


def describe_appointments(
    session: Session, actor: Actor | None, rows: list[Appointment]
) -> list[dict[str, Any]]:
    """Appointments for one reader: the citizen's name, phone and topic through the privacy
    policy (the professional booked and the site's keepers in clear), with the site's and the
    professional's names and Chinese labels."""
    site_ids = {a.site_id for a in rows}
    sites = {
        s.id: (s, u)
        for s, u in session.execute(
            select(ServiceSite, Unit)
            .join(Unit, Unit.id == ServiceSite.unit_id)
            .where(ServiceSite.id.in_(site_ids))
        ).all()
    }
    staff_ids = {a.staff_id for a in rows if a.staff_id}
    names = dict(session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))).all())
    out = []
    for a in rows:
        _, unit = sites[a.site_id]
        view = appointment_view(
            actor,
            staff_id=a.staff_id,
            site_path=unit.path,
            site_unit_id=unit.id,
            service=a.service,
        )
        out.append(
            {
                "id": a.id,
                "ref": a.ref,
                "site_id": a.site_id,
                "site": unit.name,
                "service": a.service,
                "service_label": SERVICE_LABELS[Service(a.service)],
                "staff_id": a.staff_id,
                "staff": names.get(a.staff_id or 0),
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "status": a.status,
                "status_label": APPOINTMENT_LABELS[AppointmentStatus(a.status)],
                "via": a.via,
                "via_label": "网上预约" if a.via == "portal" else "窗口预约",
                "name": view.name(a.name),
                "phone": view.phone(a.phone),
                "topic": view.topic(a.topic, name=a.name),
                "case_id": a.case_id,
                "clear": view.show.value == "clear",
            }
        )
    return out


def appointment_by_ref(session: Session, ref: str) -> dict[str, Any]:
    """A booking's confirmation, for the portal: the site (public), the time, the service, the
    booker's own name and phone masked; never the topic, never anyone else."""
    a = session.scalar(select(Appointment).where(Appointment.ref == ref.strip().upper()[:20]))
    if a is None:
        raise NotFound("appointment_not_found", "没有找到该预约，请核对预约号")
    site = get_site(session, a.site_id)
    return {
        "ref": a.ref,
        "status": a.status,
        "status_label": APPOINTMENT_LABELS[AppointmentStatus(a.status)],
        "service": a.service,
        "service_label": SERVICE_LABELS[Service(a.service)],
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "name": mask_name(a.name) or "",
        "phone": mask_phone(a.phone) or "",
        "site": site_out(site),
    }


def site_out(site: SiteRow) -> dict[str, Any]:
    """A site's public face: name, category, address, phone and hours (no person)."""
    return {
        "id": site.id,
        "name": site.name,
        "category": site.category,
        "category_label": CATEGORY_LABELS[SiteCategory(site.category)],
        "address": site.address,
        "phone": site.phone,
        "hours": site.hours,
        "is_bookable": site.is_bookable,
    }


def services_at(session: Session, site_ids: list[int]) -> dict[int, list[str]]:
    """The bookable services each site offers (someone there provides them)."""
    kinds = {k.value: s for s, k in PROVIDER_OF.items()}
    out: dict[int, list[str]] = {i: [] for i in site_ids}
    for site_id, kind in session.execute(
        select(SiteStaff.site_id, SiteStaff.kind)
        .where(SiteStaff.site_id.in_(site_ids), SiteStaff.is_active.is_(True))
        .distinct()
    ).all():
        service = kinds.get(kind)
        if service is not None and service.value not in out[site_id]:
            out[site_id].append(service.value)
    order = list(Service)
    return {i: sorted(v, key=lambda x: order.index(Service(x))) for i, v in out.items()}


def site_detail(session: Session, site_id: int) -> dict[str, Any]:
    """A site with its rooms and its professionals (kinds, own hours, supervisor): staff names
    only, no citizen."""
    site = get_site(session, site_id)
    people = providers(session, site_id)
    sup_ids = {p.supervisor_id for p in people if p.supervisor_id}
    usernames = dict(
        session.execute(
            select(Staff.id, Staff.username).where(
                Staff.id.in_({p.staff_id for p in people} | sup_ids)
            )
        ).all()
    )
    sup_names = dict(
        session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(sup_ids))).all()
    )
    return {
        **site_out(site),
        "unit_id": site.unit_id,
        "path": site.path,
        "rooms": [
            {
                "id": r.id,
                "kind": r.kind,
                "kind_label": ROOM_LABELS[RoomKind(r.kind)],
                "name": r.name,
            }
            for r in rooms(session, site_id)
        ],
        "staff": [
            {
                "id": p.site_staff_id,
                "staff_id": p.staff_id,
                "username": usernames.get(p.staff_id, ""),
                "name": p.name,
                "kind": p.kind,
                "kind_label": STAFF_KIND_LABELS[StaffKind(p.kind)],
                "hours": p.hours or site.hours,
                "own_hours": p.hours is not None,
                "supervisor": sup_names.get(p.supervisor_id or 0),
            }
            for p in people
        ],
        "services": services_at(session, [site.id])[site.id],
    }


def upcoming_counts(session: Session, since: datetime) -> dict[str, int]:
    """Booked appointments from `since` on, per bookable service (counts only)."""
    counts = dict.fromkeys((s.value for s in PROVIDER_OF), 0)
    for service, n in session.execute(
        select(Appointment.service, func.count())
        .where(
            Appointment.starts_at >= since,
            Appointment.status == AppointmentStatus.BOOKED.value,
        )
        .group_by(Appointment.service)
    ).all():
        counts[service] = n
    return counts


def free_times_of_service(
    session: Session,
    site_id: int,
    service: Service,
    day: date,
    minutes: int,
    tz: tzinfo,
    now: datetime,
) -> list[tuple[Provider, list[datetime]]]:
    """Each professional of the site who provides `service`, with their free start times."""
    kind = PROVIDER_OF.get(service)
    if kind is None:
        return []
    return [
        (p, free_times(session, site_id, p.staff_id, day, minutes, tz, now))
        for p in providers(session, site_id, kind)
    ]
