"""Pure code of the five services and their sites: the services and which class each serves,
the kinds of site, room and professional, appointment states, and the checks on opening hours.
No session, no clock reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum

from minyi.org.rules import Actor, Role
from minyi.taxonomy.five_classes import ASSISTANCE, COMPLAINT, DISPUTE, LEGAL, PSYCH


class Service(StrEnum):
    """One service per class of the event dictionary (集纠纷调解、法律服务、心理服务、投诉建议、
    帮扶救助于一体)."""

    COMPLAINT = "complaint"  # 投诉建议: dispatched, signed for, replied to
    MEDIATION = "mediation"  # 纠纷调解, on to 司法确认 / 仲裁 / 诉讼
    LEGAL = "legal"  # 法律服务: consultation and legal aid
    COUNSELLING = "counselling"  # 心理服务, 话聊
    RELIEF = "relief"  # 帮扶救助


SERVICE_LABELS = {
    Service.COMPLAINT: "投诉建议",
    Service.MEDIATION: "纠纷调解",
    Service.LEGAL: "法律服务",
    Service.COUNSELLING: "心理服务",
    Service.RELIEF: "帮扶救助",
}

SERVICE_OF_CLASS = {
    COMPLAINT: Service.COMPLAINT,
    DISPUTE: Service.MEDIATION,
    LEGAL: Service.LEGAL,
    PSYCH: Service.COUNSELLING,
    ASSISTANCE: Service.RELIEF,
}


def service_of(class_name: str | None, chosen: str | None = None) -> Service:
    """The service a case is handled by: the one staff chose for it, else its class's, else
    complaint handling (an unclassified case is dispatched like a complaint)."""
    if chosen:
        return Service(chosen)
    return SERVICE_OF_CLASS.get(class_name or "", Service.COMPLAINT)


class SiteCategory(StrEnum):
    CENTRE = "centre"  # 区级群众诉求服务中心
    STREET_HALL = "street_hall"  # 街道群众诉求服务大厅
    COMMUNITY_HALL = "community_hall"  # 社区群众诉求服务室
    ESTATE = "estate"  # 小区 / 园区服务点
    SCHOOL = "school"
    HOSPITAL = "hospital"
    TRANSPORT = "transport"  # 车站、客运站


CATEGORY_LABELS = {
    SiteCategory.CENTRE: "区级服务中心",
    SiteCategory.STREET_HALL: "街道服务大厅",
    SiteCategory.COMMUNITY_HALL: "社区服务室",
    SiteCategory.ESTATE: "小区服务点",
    SiteCategory.SCHOOL: "学校服务点",
    SiteCategory.HOSPITAL: "医院服务点",
    SiteCategory.TRANSPORT: "车站服务点",
}


class RoomKind(StrEnum):
    """1 块牌子 + 2 个窗口 + 3 个功能室: the windows and rooms a service hall has."""

    APPEAL_WINDOW = "appeal_window"  # 诉求处理窗口
    LEGAL_WINDOW = "legal_window"  # 法律服务窗口
    APPEAL_ROOM = "appeal_room"  # 群众诉求服务室
    COUNSELLING_ROOM = "counselling_room"  # 心理咨询室
    LEGAL_AID_ROOM = "legal_aid_room"  # 法律援助室
    MEDIATION_ROOM = "mediation_room"  # 纠纷解决室
    COURT_ROOM = "court_room"  # 在线司法确认室


ROOM_LABELS = {
    RoomKind.APPEAL_WINDOW: "诉求处理窗口",
    RoomKind.LEGAL_WINDOW: "法律服务窗口",
    RoomKind.APPEAL_ROOM: "群众诉求服务室",
    RoomKind.COUNSELLING_ROOM: "心理咨询室",
    RoomKind.LEGAL_AID_ROOM: "法律援助室",
    RoomKind.MEDIATION_ROOM: "纠纷解决室",
    RoomKind.COURT_ROOM: "在线司法确认室",
}


class StaffKind(StrEnum):
    """N 类人员: who serves at a site besides the hall's own staff."""

    MEDIATOR = "mediator"  # 人民调解员
    LAWYER = "lawyer"  # 驻点律师
    COUNSELLOR = "counsellor"  # 心理咨询师
    COUNSELLING_SUPERVISOR = "counselling_supervisor"  # 心理督导: reads their counsellors' notes
    SOCIAL_WORKER = "social_worker"  # 社工
    INTERPRETER = "interpreter"  # 翻译 / 手语
    WINDOW_CLERK = "window_clerk"  # 窗口受理员
    RELIEF_OFFICER = "relief_officer"  # 救助经办人


STAFF_KIND_LABELS = {
    StaffKind.MEDIATOR: "人民调解员",
    StaffKind.LAWYER: "驻点律师",
    StaffKind.COUNSELLOR: "心理咨询师",
    StaffKind.COUNSELLING_SUPERVISOR: "心理督导",
    StaffKind.SOCIAL_WORKER: "社工",
    StaffKind.INTERPRETER: "翻译",
    StaffKind.WINDOW_CLERK: "窗口受理员",
    StaffKind.RELIEF_OFFICER: "救助经办人",
}

# Who a citizen books for each service (none: the service is not given by appointment).
PROVIDER_OF = {
    Service.MEDIATION: StaffKind.MEDIATOR,
    Service.LEGAL: StaffKind.LAWYER,
    Service.COUNSELLING: StaffKind.COUNSELLOR,
}


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


APPOINTMENT_LABELS = {
    AppointmentStatus.BOOKED: "已预约",
    AppointmentStatus.ATTENDED: "已到场",
    AppointmentStatus.NO_SHOW: "未到场",
    AppointmentStatus.CANCELLED: "已取消",
}
# What each step may start from; the rest is refused.
APPOINTMENT_STEPS: dict[tuple[AppointmentStatus, str], AppointmentStatus] = {
    (AppointmentStatus.BOOKED, "attend"): AppointmentStatus.ATTENDED,
    (AppointmentStatus.BOOKED, "no_show"): AppointmentStatus.NO_SHOW,
    (AppointmentStatus.BOOKED, "cancel"): AppointmentStatus.CANCELLED,
}

APPOINTMENT_MINUTES = (30, 45, 60, 90, 120)
BOOKING_HORIZON_DAYS = 60
# Who keeps sites, their rooms, people and hours.
SITE_KEEPERS = frozenset({Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF})
# Who changes the service a case is handled by.
SERVICE_DECIDERS = frozenset({Role.DISPATCHER, Role.INTAKE_CLERK, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Opening:
    """One opening of a site, or of one professional at a site, on a weekday (0 = Monday)."""

    weekday: int
    opens: time
    closes: time


def parse_openings(text: str) -> list[Opening]:
    """'1-5 09:00-12:00 14:00-17:30; 6 09:00-12:00' → openings. Weekdays 1..7 (周一..周日), as
    a Chinese timetable counts them."""
    openings: list[Opening] = []
    for part in text.replace("；", ";").replace("，", ";").split(";"):
        words = part.split()
        if not words:
            continue
        days, spans = words[0], words[1:]
        if not spans:
            raise ValueError(f"“{part.strip()}”缺少时段")
        lo, _, hi = days.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            raise ValueError(f"“{days}”不是星期（1-7）") from None
        if not 1 <= first <= last <= 7:
            raise ValueError(f"“{days}”不是星期（1-7）")
        for span in spans:
            start, _, end = span.replace("：", ":").partition("-")
            try:
                opens, closes = time.fromisoformat(start), time.fromisoformat(end)
            except ValueError:
                raise ValueError(f"“{span}”不是时段（如 09:00-12:00）") from None
            if closes <= opens:
                raise ValueError(f"“{span}”结束早于开始")
            openings.extend(Opening(day - 1, opens, closes) for day in range(first, last + 1))
    return openings


def fits_openings(
    openings: list[Opening], starts_at: datetime, ends_at: datetime, tz: tzinfo
) -> bool:
    """Whether [starts_at, ends_at) lies inside one opening (local time of the district)."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if start.date() != end.date() and end.time() != time(0):
        return False
    return any(
        o.weekday == start.weekday() and o.opens <= start.time() and end.time() <= o.closes
        for o in openings
    )


def check_appointment_time(
    starts_at: datetime, minutes: int, now: datetime, openings: list[Opening], tz: tzinfo
) -> datetime:
    """The end of an appointment, or ValueError with the reason in Chinese."""
    if minutes not in APPOINTMENT_MINUTES:
        raise ValueError("时长只能是 " + "、".join(str(m) for m in APPOINTMENT_MINUTES) + " 分钟")
    if starts_at <= now:
        raise ValueError("预约时间已过")
    if starts_at > now + timedelta(days=BOOKING_HORIZON_DAYS):
        raise ValueError(f"只能预约{BOOKING_HORIZON_DAYS}天内的时间")
    ends_at = starts_at + timedelta(minutes=minutes)
    if not fits_openings(openings, starts_at, ends_at, tz):
        raise ValueError("所选时间不在开放时间内")
    return ends_at


def may_keep_site(actor: Actor, site_path: str) -> bool:
    """An administrator keeps every site; street and community staff the sites of their area."""
    if actor.role is Role.ADMIN:
        return True
    return (
        actor.role in SITE_KEEPERS
        and actor.unit_path is not None
        and site_path.startswith(actor.unit_path)
    )


def may_book_at_window(actor: Actor, site_path: str, site_unit_id: int) -> bool:
    """Who books a walk-in citizen at a site's window: its keepers and the professionals who
    serve there (their unit is the site)."""
    if may_keep_site(actor, site_path):
        return True
    return actor.role is Role.SERVICE_STAFF and actor.unit_id == site_unit_id


# Who reads the appointments of a site (through the privacy policy): its keepers, its own
# professionals and the centre (to plan the halls).
SITE_READERS = frozenset(
    {
        Role.ADMIN,
        Role.STREET_STAFF,
        Role.COMMUNITY_STAFF,
        Role.SERVICE_STAFF,
        Role.INTAKE_CLERK,
        Role.DISPATCHER,
        Role.SUPERVISOR,
        Role.LEADER,
    }
)


_WEEKDAYS = "一二三四五六日"


def hours_text(text: str) -> str:
    """A timetable as a citizen reads it: '1-5 09:00-12:00; 6 09:00-12:00' →
    '周一至周五 09:00-12:00；周六 09:00-12:00' (the text as typed if it does not parse)."""
    parts = []
    for part in text.replace("；", ";").replace("，", ";").split(";"):
        words = part.split()
        if not words:
            continue
        lo, _, hi = words[0].partition("-")
        if not (lo.isdigit() and (not hi or hi.isdigit())):
            return text
        first, last = int(lo), int(hi or lo)
        if not 1 <= first <= last <= 7:
            return text
        days = f"周{_WEEKDAYS[first - 1]}"
        if last != first:
            days += f"至周{_WEEKDAYS[last - 1]}"
        parts.append(" ".join([days, *words[1:]]))
    return "；".join(parts) or text
