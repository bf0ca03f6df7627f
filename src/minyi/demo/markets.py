"""The demo district's service markets (服务市集 / 党群服务赶圩日): two markets planned ahead in
every demo database, and, in the demo's lived weeks, two markets held with what people raised
at the stalls (cases passed on, matters solved on the spot, policy questions answered)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.db import Database
from minyi.markets.models import MarketEvent
from minyi.markets.queries import stall_rows
from minyi.markets.service import (
    MatterEntry,
    StallPlan,
    answer_question,
    plan_event,
    raise_matter_now,
    set_visitors,
)
from minyi.org.models import Unit
from minyi.org.rules import Actor, Role
from minyi.org.service import actor_for_username

PLANNER = Actor(
    staff_id=None,
    username="demo",
    name="演示数据",
    role=Role.ADMIN,
    unit_id=None,
    unit_code=None,
    unit_kind=None,
    unit_path=None,
)
# (title, community, place, days from now, themes, stalls: unit -> staff)
UPCOMING = (
    (
        "党群服务赶圩日",
        "S01C01",
        "社区党群服务中心门前广场",
        3,
        ("opinions", "petitions", "policy", "legal", "psychological"),
        (("DEP05", "dep05.handler"), ("DEP11", "dep11.handler"), ("S01", "s01.staff")),
    ),
    (
        "服务市集进社区",
        "S02C01",
        "社区文化公园",
        10,
        ("opinions", "policy", "relief"),
        (("DEP10", "dep10.handler"), ("DEP17", "dep17.handler"), ("S02", "s02.staff")),
    ),
)
HELD = (
    (
        "党群服务赶圩日（上月）",
        "S01C02",
        "社区商业街口",
        20,
        ("opinions", "petitions", "policy", "legal"),
        (("DEP05", "dep05.handler"), ("DEP02", "dep02.handler"), ("S01", "s01.staff")),
    ),
    (
        "服务市集·法律服务专场",
        "S03C01",
        "社区广场",
        6,
        ("legal", "mediation", "policy"),
        (("DEP11", "dep11.handler"), ("S03", "s03.staff")),
    ),
)
MATTERS = (
    ("opinions", "小区门口人行道破损，老人出行不便，希望尽快修复。", False, None),
    (
        "opinions",
        "菜市场周边早上占道经营，车辆通行困难。",
        True,
        "已现场联系市场管理方，即日起规范摆卖区域。",
    ),
    ("petitions", "反映单位拖欠两个月工资，请求协调。", False, None),
    (
        "legal",
        "邻里因漏水产生纠纷，想咨询如何维权。",
        True,
        "已现场讲解相关法律规定，并约定社区调解时间。",
    ),
    ("opinions", "社区健身器材老化，希望更换。", False, None),
)
QUESTIONS = (
    ("灵活就业人员如何参加养老保险？", "可携带身份证到街道社保窗口或通过线上平台办理参保登记。"),
    ("高龄津贴怎么申请？", "年满80周岁的户籍老人可向社区提交申请，街道审核后按月发放。"),
)


def _start(now: datetime, tz: ZoneInfo, days: int) -> datetime:
    day = (now.astimezone(tz) + timedelta(days=days)).date()
    return datetime.combine(day, time(9), tz)


def _plan(session: Session, row: tuple, now: datetime, tz: ZoneInfo, sign: int) -> MarketEvent:  # type: ignore[type-arg]
    title, area, place, days, themes, stalls = row
    start = _start(now, tz, sign * days)
    return plan_event(
        session,
        actor=PLANNER,
        title=title,
        place=place,
        area=area,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        themes=list(themes),
        stalls=[StallPlan(unit, (user,)) for unit, user in stalls],
        now=now,
    )


def _present(session: Session, rows: tuple) -> list[tuple]:  # type: ignore[type-arg]
    """The rows whose area and stall units exist (a district without them plans none)."""
    codes = set(session.scalars(select(Unit.code)))
    return [r for r in rows if r[1] in codes and all(u in codes for u, _ in r[5])]


def plan_demo_markets(session: Session, *, now: datetime, tz: ZoneInfo) -> dict[str, int]:
    """Markets planned ahead of `now` (nothing held yet: no case is made)."""
    planned = [_plan(session, row, now, tz, +1) for row in _present(session, UPCOMING)]
    return {"markets": len(planned)}


def hold_demo_markets(db: Database, *, now: datetime, tz: ZoneInfo) -> int:
    """Markets held in the demo's past, with matters raised at their stalls; returns how many
    matters were registered."""
    with db.unit_of_work() as session:
        events = [(_plan(session, row, now, tz, -1).id, row) for row in _present(session, HELD)]
    made = 0
    for event_id, row in events:
        with db.reading() as session:
            stalls = stall_rows(session, event_id)
            start = session.get(MarketEvent, event_id).starts_at  # type: ignore[union-attr]
        for n, stall in enumerate(stalls):
            with db.reading() as session:
                actor = actor_for_username(session, dict(row[5])[stall.unit_code])
            at = start + timedelta(minutes=20 + 15 * n)
            for k, (theme, body, solved, reply) in enumerate(MATTERS[n % 2 :: 2]):
                raise_matter_now(
                    db,
                    actor,
                    stall.id,
                    MatterEntry(
                        token=f"demo-{event_id}-{stall.id}-{k}",
                        theme=theme,
                        body=body,
                        phone=f"1390000{event_id % 10}{stall.id % 10}{k:02d}",
                        name=None,
                        solved=solved,
                        reply=reply,
                    ),
                    now=at + timedelta(minutes=5 * k),
                    tz=tz,
                )
                made += 1
            with db.unit_of_work() as session:
                question, answer = QUESTIONS[n % len(QUESTIONS)]
                answer_question(
                    session,
                    stall.id,
                    actor=actor,
                    token=f"demo-{event_id}-{stall.id}-q",
                    theme="policy",
                    question=question,
                    answer=answer,
                    now=at + timedelta(minutes=40),
                )
                set_visitors(
                    session,
                    stall.id,
                    actor=actor,
                    visitors=30 + 17 * n,
                    now=at + timedelta(hours=2),
                )
            made += 1
    return made
