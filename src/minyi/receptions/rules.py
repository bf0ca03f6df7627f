"""Pure code of leaders' receptions: the states of a reception and of a booking, who may organise
one, the checks on its time slots. No session, no clock reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import pairwise

from minyi.org.rules import Actor, Role


class ReceptionStatus(StrEnum):
    SCHEDULED = "scheduled"  # planned, not yet on the portal
    PUBLISHED = "published"  # on the portal: citizens may book its slots
    HELD = "held"  # the reception took place and is recorded
    CANCELLED = "cancelled"


STATUS_LABELS = {
    ReceptionStatus.SCHEDULED: "未发布",
    ReceptionStatus.PUBLISHED: "已发布",
    ReceptionStatus.HELD: "已接访",
    ReceptionStatus.CANCELLED: "已取消",
}

# What each step may start from: one table, not scattered ifs.
TRANSITIONS: dict[tuple[ReceptionStatus, str], ReceptionStatus] = {
    (ReceptionStatus.SCHEDULED, "publish"): ReceptionStatus.PUBLISHED,
    (ReceptionStatus.SCHEDULED, "record"): ReceptionStatus.HELD,
    (ReceptionStatus.PUBLISHED, "record"): ReceptionStatus.HELD,
    (ReceptionStatus.HELD, "record"): ReceptionStatus.HELD,  # a correction of the record
    (ReceptionStatus.SCHEDULED, "cancel"): ReceptionStatus.CANCELLED,
    (ReceptionStatus.PUBLISHED, "cancel"): ReceptionStatus.CANCELLED,
}
STEP_REFUSALS = {
    "publish": "只有未发布的接访安排可以发布",
    "record": "已取消的接访不能登记接访情况",
    "cancel": "已接访或已取消的接访安排不能取消",
}


def next_status(status: ReceptionStatus, step: str) -> ReceptionStatus | None:
    return TRANSITIONS.get((status, step))


class BookingKind(StrEnum):
    BOOKED = "booked"  # 预约: booked a slot on the portal
    WALK_IN = "walk_in"  # 现场登记: came without booking, recorded by staff


KIND_LABELS = {BookingKind.BOOKED: "预约", BookingKind.WALK_IN: "现场登记"}


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CAME = "came"
    CANCELLED = "cancelled"


BOOKING_LABELS = {
    BookingStatus.BOOKED: "已预约",
    BookingStatus.CAME: "已接待",
    BookingStatus.CANCELLED: "已取消",
}

PLACE_KINDS = ("district", "street", "community")
PLACE_KIND_LABELS = {"district": "区群众诉求服务中心", "street": "街道", "community": "社区"}
# Staff who organise receptions and record them: the district's centre for any place, street and
# community staff for places in their area; a leader for their own receptions.
CENTRE_ROLES = frozenset({Role.ADMIN, Role.INTAKE_CLERK})
AREA_ORGANISERS = frozenset({Role.STREET_STAFF, Role.COMMUNITY_STAFF})
MAX_CAPACITY = 200
MAX_SLOTS = 24


def default_place(kind: str, name: str) -> str:
    """The hall a reception is held in when the organiser names none."""
    if kind == "district":
        return "区群众诉求服务中心接待大厅"
    return f"{name}党群服务中心"


def may_organise(actor: Actor, *, leader_id: int, place_path: str) -> bool:
    if actor.role in CENTRE_ROLES:
        return True
    if actor.role is Role.LEADER:
        return actor.staff_id == leader_id
    return bool(
        actor.role in AREA_ORGANISERS and actor.unit_path and place_path.startswith(actor.unit_path)
    )


def may_read(actor: Actor, *, leader_id: int, place_path: str) -> bool:
    """Every leader and the supervisors read the receptions (the leaders' assessment is public
    within the district); the organisers read their own."""
    return actor.role in (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER) or may_organise(
        actor, leader_id=leader_id, place_path=place_path
    )


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    capacity: int


_SLOT = re.compile(
    r"^\s*(\d{1,2})[:：](\d{2})\s*[-—~至到]\s*(\d{1,2})[:：](\d{2})\s*(?:[x×*/]\s*(\d+))?\s*$"
)


def parse_slot_text(text: str, day: date, tz: tzinfo, default_capacity: int = 5) -> Slot:
    """'09:00-10:00' or '09:00-10:00x6' (6 places) on the local day."""
    m = _SLOT.match(text)
    if not m:
        raise ValueError(f"时段“{text}”格式不对，请写成 09:00-10:00 或 09:00-10:00x6")
    h1, m1, h2, m2 = (int(g) for g in m.groups()[:4])
    if not (0 <= h1 < 24 and 0 <= h2 < 24 and m1 < 60 and m2 < 60):
        raise ValueError(f"时段“{text}”的时间不对")
    capacity = int(m.group(5)) if m.group(5) else default_capacity
    return Slot(
        datetime.combine(day, time(h1, m1), tz), datetime.combine(day, time(h2, m2), tz), capacity
    )


def check_slots(slots: list[Slot], tz: tzinfo) -> date:
    """The slots of one reception: 1 to MAX_SLOTS, each on the same local day, starting before it
    ends, with 1 to MAX_CAPACITY places, none overlapping. Returns the day."""
    if not slots:
        raise ValueError("请至少安排一个接访时段")
    if len(slots) > MAX_SLOTS:
        raise ValueError(f"一次接访最多{MAX_SLOTS}个时段")
    days = {s.starts_at.astimezone(tz).date() for s in slots} | {
        (s.ends_at - timedelta(microseconds=1)).astimezone(tz).date() for s in slots
    }
    if len(days) != 1:
        raise ValueError("所有时段须在同一天")
    ordered = sorted(slots, key=lambda s: s.starts_at)
    for s in ordered:
        if s.ends_at <= s.starts_at:
            raise ValueError("时段的结束时间须晚于开始时间")
        if not 1 <= s.capacity <= MAX_CAPACITY:
            raise ValueError(f"每个时段可预约人数须在1至{MAX_CAPACITY}之间")
    for a, b in pairwise(ordered):
        if b.starts_at < a.ends_at:
            raise ValueError("接访时段不能重叠")
    return days.pop()
