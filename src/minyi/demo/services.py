"""The demo district's service sites (群众诉求服务中心/大厅/站点): the district centre, each
street's hall and the seven outside sites (hospitals, schools, stations), with the two windows
and the function rooms of a hall (1 块牌子 + 2 个窗口 + 3 个功能室) and their professionals:
each street hall's mediator, resident lawyer (two afternoons a week) and counsellor, supervised
by the centre's counselling supervisor. Written through the services' own use cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from minyi.core.db import Database
from minyi.org.service import actor_for_username
from minyi.services.queries import free_times, list_sites, providers
from minyi.services.rules import PROVIDER_OF, RoomKind, Service, SiteCategory, StaffKind
from minyi.services.service import add_room, add_site_staff, book_appointment, register_site

HALL_HOURS = "1-5 09:00-12:00 14:00-17:30; 6 09:00-12:00"
CENTRE_HOURS = "1-7 08:30-18:00"
OUTSIDE_HOURS = "1-5 09:00-17:00"
LAWYER_HOURS = "2 14:00-17:30; 4 14:00-17:30"
HALL_ROOMS = (
    (RoomKind.APPEAL_WINDOW, "诉求处理窗口"),
    (RoomKind.LEGAL_WINDOW, "法律服务窗口"),
    (RoomKind.APPEAL_ROOM, "群众诉求服务室"),
    (RoomKind.COUNSELLING_ROOM, "心理咨询室"),
    (RoomKind.LEGAL_AID_ROOM, "法律援助室"),
    (RoomKind.MEDIATION_ROOM, "纠纷解决室"),
)
CENTRE_ROOMS = (*HALL_ROOMS, (RoomKind.COURT_ROOM, "在线司法确认室"))


def _outside_category(name: str) -> SiteCategory:
    if "医院" in name:
        return SiteCategory.HOSPITAL
    if "学校" in name or "中学" in name:
        return SiteCategory.SCHOOL
    return SiteCategory.TRANSPORT


def load_service_sites(
    session: Session, district: dict[str, list[dict[str, Any]]], *, now: datetime
) -> dict[str, int]:
    admin = actor_for_username(session, "admin")
    names = {u["code"]: u["name"] for u in district["units"]}
    centre = register_site(
        session,
        admin,
        unit_code="D",
        category=SiteCategory.CENTRE,
        address=f"{names['D']}行政服务中心一楼",
        hours=CENTRE_HOURS,
        phone="0755-12345678",
        now=now,
    )
    for kind, name in CENTRE_ROOMS:
        add_room(session, admin, centre.id, kind=kind, name=name)
    add_site_staff(
        session,
        admin,
        centre.id,
        username="centre.counsellor",
        kind=StaffKind.COUNSELLING_SUPERVISOR,
    )
    sites = 1
    for unit in district["units"]:
        if unit["kind"] != "site":
            continue
        street_hall = unit["code"].count("C") == 0
        site = register_site(
            session,
            admin,
            unit_code=unit["code"],
            category=SiteCategory.STREET_HALL if street_hall else _outside_category(unit["name"]),
            address=(
                f"{names[unit['parent']]}党群服务中心一楼"
                if street_hall
                else f"{names[unit['parent']]}{unit['name'].removesuffix('群众诉求服务点')}一楼"
            ),
            hours=HALL_HOURS if street_hall else OUTSIDE_HOURS,
            phone=None,
            now=now,
        )
        sites += 1
        if not street_hall:
            add_room(session, admin, site.id, kind=RoomKind.APPEAL_WINDOW, name="诉求处理窗口")
            continue
        for kind, name in HALL_ROOMS:
            add_room(session, admin, site.id, kind=kind, name=name)
        stem = unit["parent"].lower()
        add_site_staff(
            session, admin, site.id, username=f"{stem}.mediator", kind=StaffKind.MEDIATOR
        )
        add_site_staff(
            session,
            admin,
            site.id,
            username=f"{stem}.lawyer",
            kind=StaffKind.LAWYER,
            hours=LAWYER_HOURS,
        )
        add_site_staff(
            session,
            admin,
            site.id,
            username=f"{stem}.counsellor",
            kind=StaffKind.COUNSELLOR,
            supervisor_username="centre.counsellor",
        )
    return {"service_sites": sites}


NAMES = ("陈淑珍", "刘建华", "赵文静", "孙立军", "周美兰", "吴国平")
TOPICS = {
    "legal": "租房押金被扣，想咨询能否要回",
    "mediation": "楼上漏水多次协商不成，想请调解员调解",
    "counselling": "最近压力大睡不好，想找心理咨询师聊聊",
}


def load_service_days(
    db: Database, *, now: datetime, tz: ZoneInfo, streets: int = 3
) -> dict[str, int]:
    """The coming week's appointments at the first street halls: citizens who booked a
    mediator, the resident lawyer and the counsellor on the portal, so each professional's
    服务大厅 has work on it. Booked through the foundation's own use case, at free times."""
    booked = 0
    with db.unit_of_work() as session:
        for n, site in enumerate(list_sites(session, service=Service.LEGAL)[:streets]):
            for service in (Service.LEGAL, Service.MEDIATION, Service.COUNSELLING):
                kind = PROVIDER_OF[service]
                found = providers(session, site.id, kind)
                if not found:
                    continue
                person = found[0]
                for day in range(1, 8):
                    when = (now.astimezone(tz) + timedelta(days=day)).date()
                    free = free_times(session, site.id, person.staff_id, when, 60, tz, now)
                    if free:
                        book_appointment(
                            session,
                            None,
                            site_id=site.id,
                            service=service.value,
                            starts_at=free[min(n, len(free) - 1)],
                            minutes=60,
                            name=NAMES[(n * 3 + booked) % len(NAMES)],
                            phone=f"139{n:02d}{booked:06d}",
                            topic=TOPICS[service.value],
                            staff_id=person.staff_id,
                            now=now,
                            tz=tz,
                        )
                        booked += 1
                        break
    return {"service_appointments": booked}
