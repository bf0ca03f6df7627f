"""`minyi bench analytics`: the hotspot pass over one day, the early-warning scan of a day and
the weekly and monthly unit assessment, timed on a large synthetic history.

The history is our own and simple: appeals over `days` days ending on a fixed day, with a
weekday rhythm (weekends at 60 %), a summer season (+30 % in July and August) and a few bursts
(20-60 neighbours on one matter in one community within a week); each appeal's text is a matter
template plus a place, so clusters exist to be found. Cases are closed and rated in realistic
shares: 92 % replied, 70 % rated (85 % satisfied), 4 % reopened, 2 % bounced, and a closure
clock row for 10 % of cases (8 % breached). Rows go in with multi-row INSERTs in chunks.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, inspect, select

from minyi.analytics.alerts import detect
from minyi.analytics.assessment import assess_units
from minyi.analytics.queries import hotspots_of_day
from minyi.analytics.rules import BEIJING, period_of
from minyi.analytics.unit_rollup import rebuild_unit_rollup
from minyi.bench.intake import fresh_database
from minyi.bootstrap import load_demo, migrate
from minyi.cases.models import Appeal, Bounce, Case, CaseEvent, CaseUnit
from minyi.core.db import Base, Database
from minyi.intake.models import Channel
from minyi.org.models import Staff, Unit
from minyi.sla.models import Clock
from minyi.sla.service import refresh_next_due
from minyi.wiring import build_registry

CHUNK = 10_000
END_DAY = date(2026, 11, 19)
MATTERS = (
    ("噪音扰民", "附近工地夜间施工噪音扰民，严重影响休息"),
    ("垃圾清运不及时", "小区垃圾站垃圾堆积，清运不及时，臭味很大"),
    ("占道经营", "路边商贩占道经营，堵塞交通"),
    ("停车难", "小区周边停车位不足，乱停车严重"),
    ("路灯损坏", "道路路灯损坏多日无人维修，夜间出行不安全"),
    ("拖欠工资", "公司拖欠工资三个月，多次讨要无果"),
    ("油烟扰民", "楼下餐馆油烟直排，住户无法开窗"),
    ("电梯故障", "老旧小区电梯频繁故障，老人出行困难"),
    ("学位问题", "孩子入学学位紧张，希望增加学位"),
    ("物业服务差", "物业服务差，公共区域无人打扫"),
    ("违章搭建", "楼顶违章搭建，存在安全隐患"),
    ("积水内涝", "下雨后路口积水严重，行人无法通行"),
)
ESTATES = ("花园", "新村", "家园", "小区", "公寓", "苑")


@dataclass
class AnalyticsReport:
    db: str
    appeals: int
    days: int
    day: date
    fill_seconds: float = 0.0
    day_appeals: int = 0
    timings_ms: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(self.timings_ms[name])


def _daily_weights(days: int, rng: random.Random) -> list[float]:
    weights = []
    for offset in range(days):
        d = END_DAY - timedelta(days=days - 1 - offset)
        w = 0.6 if d.weekday() >= 5 else 1.0
        w *= 1.3 if d.month in (7, 8) else 1.0
        weights.append(w * rng.uniform(0.85, 1.15))
    return weights


def _load_refs(db: Database) -> dict[str, Any]:
    with db.reading() as session:
        communities = session.execute(
            select(Unit.id, Unit.parent_id, Unit.name).where(Unit.kind == "community")
        ).all()
        departments = list(session.scalars(select(Unit.id).where(Unit.kind == "department")))
        channel = session.scalar(select(Channel.id).where(Channel.code == "hotline_12345"))
        staff = session.scalar(select(Staff.id).where(Staff.username == "dep01.handler"))
    return {
        "communities": communities,
        "departments": departments,
        "channel": channel,
        "staff": staff,
    }


def _fill(
    db: Database, appeals: int, days: int, rng: random.Random, step: Callable[[int], None]
) -> None:
    refs = _load_refs(db)
    weights = _daily_weights(days, rng)
    total_w = sum(weights)
    per_day = [max(1, round(appeals * w / total_w)) for w in weights]
    per_day[-1] += appeals - sum(per_day)
    phones = [f"13{rng.randrange(10**9):09d}" for _ in range(max(10, appeals // 3))]
    classes = ("投诉建议", "纠纷调解", "帮扶救助", "法律服务", "心理服务")
    next_id = 1
    buffers: dict[str, list[dict[str, Any]]] = {
        "appeals": [],
        "cases": [],
        "units": [],
        "events": [],
        "clocks": [],
        "bounces": [],
    }

    # The history is written in the schema the database has: the migrations' tests fill a
    # database at an older revision (before the columns later migrations add) and upgrade it.
    models: list[tuple[type[Base], str]] = [(Appeal, "appeals"), (Case, "cases")]
    models += [(CaseUnit, "units"), (CaseEvent, "events"), (Clock, "clocks"), (Bounce, "bounces")]
    present = inspect(db.engine)
    has = {key: {c["name"] for c in present.get_columns(m.__tablename__)} for m, key in models}

    def flush() -> None:
        with db.unit_of_work() as session:
            for model, key in models:
                rows = buffers[key]
                if rows and not has[key].issuperset(rows[0]):
                    rows = [{k: v for k, v in r.items() if k in has[key]} for r in rows]
                if rows:
                    session.execute(insert(model), rows)
            if "next_due_at" in has["cases"]:
                # Written past the clock service: the cases' urgency key as it would keep it,
                # and its copy on their units' rows.
                refresh_next_due(session, "case", [c["id"] for c in buffers["cases"]])
        step(len(buffers["appeals"]))
        for rows in buffers.values():
            rows.clear()

    burst_days = set(rng.sample(range(days), k=max(1, days // 30)))
    for offset, count in enumerate(per_day):
        day = END_DAY - timedelta(days=days - 1 - offset)
        start = datetime(day.year, day.month, day.day, tzinfo=BEIJING).astimezone(UTC)
        burst = (
            (rng.choice(refs["communities"]), rng.randrange(len(MATTERS)))
            if offset in burst_days
            else None
        )
        for n in range(count):
            if burst is not None and n < min(count // 10, 60):
                community, matter = burst
            else:
                community, matter = rng.choice(refs["communities"]), rng.randrange(len(MATTERS))
            title, body = MATTERS[matter]
            place = f"{community[2][:2]}{ESTATES[matter % len(ESTATES)]}"
            at = start + timedelta(seconds=rng.randrange(86_400))
            phone = rng.choice(phones)
            appeal_id = next_id
            next_id += 1
            tracking = f"{day:%Y%m%d}-{appeal_id:07d}"
            buffers["appeals"].append(
                {
                    "id": appeal_id,
                    "tracking_no": tracking,
                    "channel_id": refs["channel"],
                    "external_id": f"b{appeal_id}",
                    "title": f"{place}{title}",
                    "body": f"{place}{body}。",
                    "phone": phone,
                    "phone_last4": phone[-4:],
                    "citizen_name": None,
                    "id_card": None,
                    "is_anonymous": False,
                    "is_confidential": False,
                    "address": None,
                    "lat": None,
                    "lng": None,
                    "crowd_size": None,
                    "amount": None,
                    "category_hint_id": None,
                    "registered_by_id": None,
                    "submitted_at": at,
                }
            )
            lead = rng.choice(refs["departments"])
            closed = at + timedelta(hours=rng.uniform(2, 72)) if rng.random() < 0.92 else None
            rating = (
                rng.choices(("satisfied", "basically_satisfied", "unsatisfied"), (75, 10, 15))[0]
                if closed and rng.random() < 0.7
                else None
            )
            status = "rated" if rating else ("replied" if closed else "in_progress")
            buffers["cases"].append(
                {
                    "id": appeal_id,
                    "appeal_id": appeal_id,
                    "tracking_no": tracking,
                    "status": status,
                    "version": 1,
                    "channel_id": refs["channel"],
                    "category_id": None,
                    "class_name": rng.choice(classes),
                    "policy_code": "10-30-24",
                    "first_unit_id": None,
                    "lead_unit_id": lead,
                    "street_id": community[1],
                    "community_id": community[0],
                    "grid_id": None,
                    "registered_at": at,
                    "updated_at": closed or at,
                    "due_at": None,
                    "closed_at": closed,
                    "is_overdue": False,
                    "bounce_pending": False,
                    "bounce_count": 0,
                    "reopen_count": 1 if rng.random() < 0.04 else 0,
                    "rating": rating if rating != "unsatisfied" else None,
                    "is_key_case": False,
                    "key_checklist": {},
                    "reply_text": None,
                }
            )
            assigned = at + timedelta(minutes=10)
            buffers["units"].append(
                {
                    "case_id": appeal_id,
                    "unit_id": lead,
                    "role": "lead",
                    "assigned_at": assigned,
                    "signed_at": assigned + timedelta(hours=rng.expovariate(1 / 6)),
                    "is_active": True,
                    "case_status": status,  # as cases.service keeps it
                    "registered_at": at,  # the case's, copied (next_due_at: at the flush)
                }
            )
            if rating and closed is not None:  # a rating comes after a reply
                buffers["events"].append(
                    {
                        "case_id": appeal_id,
                        "at": closed + timedelta(hours=20),
                        "action": "feedback",
                        "actor_id": None,
                        "actor_label": "citizen",
                        "from_status": "replied",
                        "to_status": "rated",
                        "reason": None,
                        "payload": {"rating": rating},
                    }
                )
            if rng.random() < 0.1:
                breached = rng.random() < 0.8
                buffers["clocks"].append(
                    {
                        "subject": "case",
                        "subject_id": appeal_id,
                        "case_id": appeal_id,
                        "milestone": "first_round",
                        "name": "24小时首轮办结",
                        "policy_code": "10-30-24",
                        "calendar": "natural",
                        "state": "breached" if breached else "met",
                        "started_at": at,
                        "due_at": at + timedelta(hours=24),
                        "warn_at": at + timedelta(hours=18),
                        "next_fire_at": None,
                        "total_seconds": 86400.0,
                        "warn_seconds": 64800.0,
                        "warned_at": None,
                        "breached_at": at + timedelta(hours=24) if breached else None,
                        "completed_at": closed,
                        "paused_at": None,
                        "pause_reason": None,
                        "remaining_seconds": None,
                        "extended_seconds": 0.0,
                    }
                )
            if rng.random() < 0.02:
                buffers["bounces"].append(
                    {
                        "case_id": appeal_id,
                        "unit_id": lead,
                        "requested_by_id": refs["staff"],
                        "reason": "非本单位职责",
                        "requested_at": assigned + timedelta(hours=1),
                        "status": "refused",
                        "decided_by_id": None,
                        "decided_at": None,
                        "decision_note": None,
                    }
                )
            if len(buffers["appeals"]) >= CHUNK:
                flush()
    flush()


def _time(report: AnalyticsReport, name: str, fn: Callable[[], object], repeats: int) -> None:
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        report.timings_ms.setdefault(name, []).append((time.perf_counter() - t0) * 1000)


def run_analytics_bench(
    db_kind: str,
    appeals: int,
    days: int,
    repeats: int,
    start_task: Callable[[str, int], Callable[[int], None]],
    *,
    seed: int = 20261121,
) -> AnalyticsReport:
    report = AnalyticsReport(db=db_kind, appeals=appeals, days=days, day=END_DAY)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(db_kind, Path(tmp)) as url:
        db = Database(url, registry=build_registry())
        migrate(db)
        load_demo(db, now=datetime(2026, 11, 20, 1, tzinfo=UTC))
        t0 = time.perf_counter()
        _fill(
            db,
            appeals,
            days,
            rng,
            start_task(f"history: {appeals:,} appeals over {days} days", appeals),
        )
        # The history went in by bulk INSERTs, past the unit roll-up's day marks.
        with db.unit_of_work() as session:
            rebuild_unit_rollup(session, now=datetime.now(UTC))
        report.fill_seconds = time.perf_counter() - t0
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        day = period_of("day", END_DAY)
        with db.reading() as session:
            report.day_appeals = len(
                session.scalars(
                    select(Case.id).where(
                        Case.registered_at >= day.start, Case.registered_at < day.end
                    )
                ).all()
            )
        tick = start_task("timed passes", repeats * 5)

        def timed(name: str, fn: Callable[[Any], object]) -> None:
            def once() -> object:
                with db.reading() as session:
                    return fn(session)

            _time(report, name, once, repeats)
            tick(repeats)

        timed("hotspots, one day", lambda s: hotspots_of_day(s, day=END_DAY, window_days=1))
        timed(
            "hotspots, 7-day window (daily pass)",
            lambda s: hotspots_of_day(s, day=END_DAY, window_days=7),
        )
        timed("early warning scan, one day", lambda s: detect(s, day=END_DAY))
        timed("assessment, one week", lambda s: assess_units(s, period_of("week", END_DAY)))
        timed(
            "assessment, one month",
            lambda s: assess_units(s, period_of("month", END_DAY - timedelta(days=30))),
        )
        db.dispose()
    return report
