"""The demo district's leaders' receptions (下沉接访): for three leaders, a reception held the day
before in a street they are linked to (bookings, a walk-in, the record, matters raised as cases,
one held by the leader) and one published for next week with a few bookings. Written through
the receptions services and intake's `register_appeals`, as the console would."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from minyi.core.db import Database
from minyi.core.errors import MinyiError
from minyi.core.ids import IdAllocator
from minyi.intake.refs import RefCache
from minyi.intake.service import register_appeals
from minyi.org.service import actor_for_username
from minyi.receptions.queries import leaders, linked_areas, slots_of
from minyi.receptions.rules import Slot
from minyi.receptions.service import (
    add_walk_in,
    book_slot,
    link_case,
    mark_came,
    matter_appeal,
    record_reception,
    schedule_reception,
)

LEADERS = ("secretary", "mayor", "leader01")
MATTERS = (
    "小区加装电梯，低层住户不同意，协商多次没有结果，希望领导协调。",
    "孩子上学学位申请被退回，不清楚原因，请帮忙了解政策。",
    "楼下餐饮店油烟扰民，投诉多次仍未整改。",
    "工地拖欠农民工工资三个月，临近春节，工人着急回家。",
    "老旧小区雨污管网堵塞，一下雨就倒灌进一楼住户家。",
    "社区公园健身器材损坏，老人锻炼不安全。",
)
NAMES = ("刘桂芳", "陈国强", "黄丽娟", "周建军", "吴秀兰", "徐志明", "孙玉梅", "马德福")


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def load_receptions(db: Database, *, now: datetime, tz: ZoneInfo, seed: int = 11) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    counts = {"receptions": 0, "reception_cases": 0}
    today = now.astimezone(tz).date()
    with db.unit_of_work() as session:
        clerk = actor_for_username(session, "clerk")
        known = {p.username: p for p in leaders(session)}
        plan: list[tuple[int, int]] = []
        for username in LEADERS:
            leader = known.get(username)
            areas = linked_areas(session, leader.id) if leader else []
            if leader is None or not areas:
                continue
            area = areas[0].code
            for offset, held in ((-1, True), (7, False)):
                day = today + timedelta(days=offset)
                start = datetime.combine(day, time(9), tz)
                slots = [
                    Slot(start + timedelta(hours=h), start + timedelta(hours=h + 1), 4)
                    for h in range(3)
                ]
                reception = schedule_reception(
                    session,
                    actor=clerk,
                    leader=username,
                    area=area,
                    place=None,
                    topic=None,
                    slots=slots,
                    publish=True,
                    now=start - timedelta(days=5),
                    tz=tz,
                )
                counts["receptions"] += 1
                slot_ids = [s.id for s in slots_of(session, [reception.id])[reception.id]]
                booked = []
                for i in range(3 if held else 2):
                    b, _ = book_slot(
                        session,
                        slot_id=slot_ids[i % len(slot_ids)],
                        name=rng.choice(NAMES),
                        phone=_phone(rng),
                        matter=rng.choice(MATTERS),
                        now=start - timedelta(days=2),
                    )
                    booked.append(b)
                if not held:
                    continue
                for b in booked[:2]:
                    mark_came(session, b.id, actor=clerk, now=start + timedelta(hours=1))
                walk = add_walk_in(
                    session,
                    reception.id,
                    actor=clerk,
                    name=rng.choice(NAMES),
                    phone=_phone(rng),
                    matter=rng.choice(MATTERS),
                    people=3,
                    now=start + timedelta(hours=2),
                )
                record_reception(
                    session,
                    reception.id,
                    actor=clerk,
                    people=None,
                    summary="现场答复群众咨询，能当场解决的当场解决，其余转为案件跟踪办理。",
                    now=start + timedelta(hours=3),
                )
                plan += [(booked[0].id, 1), (walk.id, 0)]
    # The matters raised as cases through intake, each in its own unit of work like a page's.
    refs = RefCache()
    for booking_id, hold in plan:
        [appeal_id] = IdAllocator(db, "appeals", block=1).take(1)
        with db.unit_of_work() as session:
            clerk = actor_for_username(session, "clerk")
            item = matter_appeal(session, booking_id, actor=clerk)
            [result] = register_appeals(
                session, [item], actors=[clerk], ids=[appeal_id], refs=refs, now=now, tz=tz
            )
            if isinstance(result, MinyiError):
                continue
            link_case(session, booking_id, result.id, hold=bool(hold), actor=clerk, now=now)
            counts["reception_cases"] += 1
    return counts
