"""Use cases of the service sites: register a site with its rooms, people and hours; book, attend
or cancel an appointment with a professional; and change the service a case is handled by (a
complaint that is really a dispute goes to mediation), on the case's own event log."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case
from minyi.cases.rules import is_open
from minyi.cases.service import record_case_event
from minyi.cases.tracking import last4_matches
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.core.settings import Settings
from minyi.core.throttle import Limit, check, citizen_secret_guard, record_failure
from minyi.intake.rules import normalise_phone
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, UnitKind
from minyi.services.models import Appointment, ServiceSite, SiteRoom, SiteStaff
from minyi.services.queries import get_appointment, openings_of
from minyi.services.rules import (
    APPOINTMENT_STEPS,
    PROVIDER_OF,
    SERVICE_DECIDERS,
    SERVICE_LABELS,
    AppointmentStatus,
    RoomKind,
    Service,
    SiteCategory,
    StaffKind,
    check_appointment_time,
    may_book_at_window,
    may_keep_site,
    parse_openings,
    service_of,
)

TOPIC_MAX = 2000
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
E = TypeVar("E", bound=StrEnum)
SITE_UNIT_KINDS = {UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.SITE}


def _enum(kind: type[E], value: str, field: str, label: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise Invalid("invalid_" + field, f"{label}不正确", field=field) from None


def _hours(text: str | None, field: str = "hours") -> str:
    hours = (text or "").strip()
    try:
        if not parse_openings(hours):
            raise ValueError("请填写开放时间（如 1-5 09:00-12:00 14:00-17:30）")
    except ValueError as e:
        raise Invalid("invalid_hours", str(e), field=field) from None
    return hours


def _keeper(session: Session, actor: Actor, site: ServiceSite) -> None:
    unit = session.get(Unit, site.unit_id)
    if unit is None or not may_keep_site(actor, unit.path):
        raise Forbidden("not_site_keeper", "只有管理员和本辖区工作人员可以维护服务站点")


def _site(session: Session, site_id: int) -> ServiceSite:
    site = session.get(ServiceSite, site_id)
    if site is None:
        raise NotFound("site_not_found", "没有找到该服务站点")
    return site


def register_site(
    session: Session,
    actor: Actor,
    *,
    unit_code: str,
    category: str,
    address: str,
    hours: str,
    phone: str | None,
    now: datetime,
) -> ServiceSite:
    unit = session.scalar(select(Unit).where(Unit.code == unit_code, Unit.is_active.is_(True)))
    if unit is None or unit.kind not in SITE_UNIT_KINDS:
        raise Invalid("invalid_unit", "服务站点只能设在区、街道、社区或服务站点单位", field="unit")
    if not may_keep_site(actor, unit.path):
        raise Forbidden("not_site_keeper", "只有管理员和本辖区工作人员可以维护服务站点")
    if session.scalar(select(ServiceSite.id).where(ServiceSite.unit_id == unit.id)):
        raise Conflict("site_exists", "该单位已登记为服务站点")
    text = (address or "").strip()
    if not text or len(text) > 300:
        raise Invalid("invalid_address", "请填写地址（300字以内）", field="address")
    number = None
    if phone and phone.strip():
        try:
            number = normalise_phone(phone)
        except ValueError as e:
            raise Invalid("invalid_phone", str(e), field="phone") from None
    site = ServiceSite(
        unit_id=unit.id,
        category=_enum(SiteCategory, category, "category", "站点类别").value,
        address=text,
        phone=number,
        hours=_hours(hours),
        is_bookable=True,
        created_at=now,
    )
    session.add(site)
    session.flush()
    return site


def add_room(session: Session, actor: Actor, site_id: int, *, kind: str, name: str) -> SiteRoom:
    site = _site(session, site_id)
    _keeper(session, actor, site)
    room_kind = _enum(RoomKind, kind, "kind", "窗口或功能室类别")
    label = (name or "").strip()
    if not label or len(label) > 60:
        raise Invalid("invalid_name", "请填写名称（60字以内）", field="name")
    if session.scalar(
        select(SiteRoom.id).where(SiteRoom.site_id == site.id, SiteRoom.name == label)
    ):
        raise Conflict("room_exists", "该站点已有同名的窗口或功能室")
    room = SiteRoom(site_id=site.id, kind=room_kind.value, name=label)
    session.add(room)
    session.flush()
    return room


def add_site_staff(
    session: Session,
    actor: Actor,
    site_id: int,
    *,
    username: str,
    kind: str,
    hours: str | None = None,
    supervisor_username: str | None = None,
) -> SiteStaff:
    site = _site(session, site_id)
    _keeper(session, actor, site)
    staff_kind = _enum(StaffKind, kind, "kind", "人员类别")
    person = session.scalar(
        select(Staff).where(Staff.username == username, Staff.is_active.is_(True))
    )
    if person is None:
        raise Invalid("unknown_staff", "没有找到该工作人员", field="username")
    supervisor_id = None
    if supervisor_username:
        supervisor = session.scalar(
            select(Staff).where(Staff.username == supervisor_username, Staff.is_active.is_(True))
        )
        if supervisor is None or supervisor.id == person.id:
            raise Invalid("invalid_supervisor", "督导须是另一位在职工作人员", field="supervisor")
        supervisor_id = supervisor.id
    own_hours = _hours(hours) if hours and hours.strip() else None
    row = session.scalar(
        select(SiteStaff).where(
            SiteStaff.site_id == site.id,
            SiteStaff.staff_id == person.id,
            SiteStaff.kind == staff_kind.value,
        )
    )
    if row is None:
        row = SiteStaff(site_id=site.id, staff_id=person.id, kind=staff_kind.value)
        session.add(row)
    row.hours, row.supervisor_id, row.is_active = own_hours, supervisor_id, True
    session.flush()
    return row


def _new_ref(session: Session) -> str:
    while True:
        ref = "FW" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))
        if session.scalar(select(Appointment.id).where(Appointment.ref == ref)) is None:
            return ref


def book_appointment(
    session: Session,
    actor: Actor | None,
    *,
    site_id: int,
    service: str,
    starts_at: datetime,
    minutes: int,
    name: str,
    phone: str,
    topic: str,
    staff_id: int | None = None,
    case_id: int | None = None,
    now: datetime,
    tz: tzinfo,
) -> Appointment:
    """Book a professional at a site: on the portal (actor None) or at a window (staff). The
    professional's row is locked so two bookings of one time cannot both succeed; without a
    `staff_id` the first professional free at that time is taken."""
    return book_once(
        session,
        actor,
        site_id=site_id,
        service=service,
        starts_at=starts_at,
        minutes=minutes,
        name=name,
        phone=phone,
        topic=topic,
        staff_id=staff_id,
        case_id=case_id,
        now=now,
        tz=tz,
    )[0]


def book_once(
    session: Session,
    actor: Actor | None,
    *,
    site_id: int,
    service: str,
    starts_at: datetime,
    minutes: int,
    name: str,
    phone: str,
    topic: str,
    staff_id: int | None = None,
    case_id: int | None = None,
    now: datetime,
    tz: tzinfo,
) -> tuple[Appointment, bool]:
    """`book_appointment`, answering a repeated booking with the first: the same phone booked
    for the same service at the same site and time (with the same professional, when one was
    chosen) is a double tap, not a second booking. Returns (appointment, created)."""
    site = _site(session, site_id)
    chosen = _enum(Service, service, "service", "服务类别")
    kind = PROVIDER_OF.get(chosen)
    if kind is None:
        raise Invalid(
            "not_bookable",
            f"{SERVICE_LABELS[chosen]}请到诉求处理窗口办理，无需预约",
            field="service",
        )
    if actor is None and not site.is_bookable:
        raise Invalid("site_not_bookable", "该站点暂不接受网上预约", field="site")
    person = (name or "").strip()
    if not person or len(person) > 60:
        raise Invalid("invalid_name", "请填写姓名（60字以内）", field="name")
    try:
        number = normalise_phone(phone or "")
    except ValueError as e:
        raise Invalid("invalid_phone", str(e), field="phone") from None
    matter = (topic or "").strip()
    if not matter or len(matter) > TOPIC_MAX:
        raise Invalid("invalid_topic", f"请简要说明事项（{TOPIC_MAX}字以内）", field="topic")
    if case_id is not None:
        if actor is None:
            raise Forbidden("not_staff", "只有工作人员可以为诉求预约")
        get_visible_case(session, case_id, actor)
    stmt = (
        select(SiteStaff)
        .where(
            SiteStaff.site_id == site.id,
            SiteStaff.kind == kind.value,
            SiteStaff.is_active.is_(True),
        )
        .order_by(SiteStaff.id)
        .with_for_update()
    )
    if staff_id is not None:
        stmt = stmt.where(SiteStaff.staff_id == staff_id)
    candidates = list(session.scalars(stmt))
    # Under the professionals' locks: a second submit waits for the first and then finds it.
    same = select(Appointment).where(
        Appointment.site_id == site.id,
        Appointment.service == chosen.value,
        Appointment.phone == number,
        Appointment.starts_at == starts_at,
        Appointment.status == AppointmentStatus.BOOKED.value,
    )
    if staff_id is not None:
        same = same.where(Appointment.staff_id == staff_id)
    first = session.scalar(same.order_by(Appointment.id).limit(1))
    if first is not None:
        return first, False
    if not candidates:
        raise Invalid("no_provider", "该站点没有提供此项服务的人员", field="staff")
    reason = "所选时间不在开放时间内"
    for row in candidates:
        try:
            ends_at = check_appointment_time(
                starts_at, minutes, now, openings_of(site.hours, row.hours), tz
            )
        except ValueError as e:
            reason = str(e)
            continue
        clash = session.scalar(
            select(Appointment.id).where(
                Appointment.staff_id == row.staff_id,
                Appointment.status == AppointmentStatus.BOOKED.value,
                Appointment.starts_at < ends_at,
                Appointment.ends_at > starts_at,
            )
        )
        if clash is not None:
            reason = "所选时间已被预约，请换一个时间"
            continue
        appointment = Appointment(
            ref=_new_ref(session),
            site_id=site.id,
            service=chosen.value,
            staff_id=row.staff_id,
            starts_at=starts_at,
            ends_at=ends_at,
            status=AppointmentStatus.BOOKED.value,
            via="portal" if actor is None else "window",
            name=person,
            phone=number,
            topic=matter,
            case_id=case_id,
            booked_by_id=actor.staff_id if actor is not None else None,
            booked_at=now,
        )
        session.add(appointment)
        session.flush()
        return appointment, True
    raise Conflict("time_unavailable", reason)


# Per client address, across processes: a family books a few times, a script may not fill a day.
BOOKING_LIMIT = Limit("service_booking", 10, timedelta(minutes=10), "预约过于频繁，请10分钟后再试")


def book_on_portal(
    db: Database,
    *,
    client: str,
    site_id: int,
    service: str,
    starts_at: datetime,
    minutes: int,
    name: str,
    phone: str,
    topic: str,
    staff_id: int | None = None,
    now: datetime,
    tz: tzinfo,
) -> tuple[str, bool]:
    """A citizen's booking on the portal or the public API, under the per-address limit (only a
    new booking counts; a repeated one answers the first). Returns (ref, created)."""
    with db.reading() as session:
        check(session, BOOKING_LIMIT, client, now=now)
    with db.unit_of_work() as session:
        appointment, created = book_once(
            session,
            None,
            site_id=site_id,
            service=service,
            starts_at=starts_at,
            minutes=minutes,
            name=name,
            phone=phone,
            topic=topic,
            staff_id=staff_id,
            now=now,
            tz=tz,
        )
        if created:
            record_failure(session, BOOKING_LIMIT, client, now=now)
        return appointment.ref, created


def book_at_window(
    session: Session,
    actor: Actor,
    *,
    site_id: int,
    service: str,
    starts_at: datetime,
    minutes: int,
    name: str,
    phone: str,
    topic: str,
    staff_id: int | None = None,
    case_id: int | None = None,
    now: datetime,
    tz: tzinfo,
) -> tuple[Appointment, bool]:
    """A walk-in citizen booked at the site's window by its keepers or its professionals."""
    site = _site(session, site_id)
    unit = session.get(Unit, site.unit_id)
    if unit is None or not may_book_at_window(actor, unit.path, unit.id):
        raise Forbidden("not_site_window", "只有本站点的工作人员和管理人员可以在窗口预约")
    return book_once(
        session,
        actor,
        site_id=site_id,
        service=service,
        starts_at=starts_at,
        minutes=minutes,
        name=name,
        phone=phone,
        topic=topic,
        staff_id=staff_id,
        case_id=case_id,
        now=now,
        tz=tz,
    )


def step_appointment(
    session: Session, actor: Actor, appointment_id: int, step: str, *, now: datetime
) -> Appointment:
    """到场 / 未到场 / 取消, by the professional booked or the site's keepers."""
    appointment = get_appointment(session, appointment_id, for_update=True)
    site = _site(session, appointment.site_id)
    if actor.staff_id != appointment.staff_id:
        _keeper(session, actor, site)
    new = APPOINTMENT_STEPS.get((AppointmentStatus(appointment.status), step))
    if new is None:
        raise Conflict("appointment_step_refused", "该预约已办结，不能再更改")
    appointment.status = new.value
    if new is AppointmentStatus.ATTENDED:
        appointment.came_at = now
    elif new is AppointmentStatus.CANCELLED:
        appointment.cancelled_at = now
    session.flush()
    return appointment


def cancel_on_portal(
    db: Database, settings: Settings, *, ref: str, last4: str, client: str, now: datetime
) -> str:
    """The citizen cancels their appointment with its number and the phone's last four digits
    (under the shared throttle: the digits are one of 10,000); the time is free again.
    Cancelling twice is harmless; an appointment already kept, or whose time has come, stays."""
    key = ref.strip().upper()[:20]
    with (
        citizen_secret_guard(db, settings, key=f"appointment:{key}", client=client, now=now),
        db.unit_of_work() as session,
    ):
        appointment = session.scalar(
            select(Appointment).where(Appointment.ref == key).with_for_update()
        )
        if appointment is None or not last4_matches(appointment.phone, last4):
            raise NotFound("appointment_not_found", "预约号或手机号后四位不正确")
        if appointment.status == AppointmentStatus.CANCELLED:
            return appointment.ref
        if appointment.status != AppointmentStatus.BOOKED:
            raise Conflict("appointment_step_refused", "该预约已办结，不能再取消")
        if appointment.starts_at <= now:
            raise Conflict("appointment_step_refused", "预约时间已到，不能再取消")
        appointment.status = AppointmentStatus.CANCELLED.value
        appointment.cancelled_at = now
        return appointment.ref


def change_service(
    session: Session, actor: Actor, case_id: int, service: str, *, reason: str, now: datetime
) -> Case:
    """Hand a case to another service (转调解, 转法律服务 ...): the case keeps its number, clocks and
    history; the event log says who moved it, from what, to what and why."""
    if actor.role not in SERVICE_DECIDERS:
        raise Forbidden("not_service_decider", "只有受理、分拨和督查人员可以转换服务类别")
    target = _enum(Service, service, "service", "服务类别")
    if not (reason or "").strip() or len(reason.strip()) > 500:
        raise Invalid("missing_reason", "请填写转换理由（500字以内）", field="reason")
    case = get_visible_case(session, case_id, actor, for_update=True)
    return move_service(session, case, target, actor=actor, reason=reason, now=now)


def move_service(
    session: Session, case: Case, target: Service, *, actor: Actor, reason: str, now: datetime
) -> Case:
    """The one writer of a case's service and its `service_changed` event. Who may move it is
    the caller's decision: `change_service` lets the centre's deciders; mediation lets a
    dispute's own mediators hand its case back to complaint handling."""
    why = (reason or "").strip()
    if not why or len(why) > 1000:
        raise Invalid("missing_reason", "请填写转换理由", field="reason")
    if not is_open(case.status):
        raise Conflict("case_closed", "已办结的诉求不能转换服务类别")
    current = service_of(case.class_name, case.service)
    if current is target:
        return case
    case.service = target.value
    record_case_event(
        session,
        case,
        action="service_changed",
        actor_label=actor.name,
        actor_id=actor.staff_id,
        now=now,
        reason=why,
        payload={"from": current.value, "to": target.value},
    )
    session.flush()
    return case
