"""A synthetic three-year history of appeals for the demo district, written straight into the
tables in large batches (PostgreSQL COPY, SQLite executemany), for `minyi bench reports`.

The shape is our own model of a district's year, not a replay of real data: volume grows ~12%
a year; weekends bring 40% fewer appeals; summer (noise, heat, water) runs 25% above winter and
the weeks around Spring Festival dip, except wage arrears which peak before it; hours follow the
office day; a few bursts a month put one matter in one community at 4-8x its usual rate for
1-3 days. Everything older than a month is closed; the last month carries the open book, with
running clocks, late ones breached, escalations, crowd matters and repeats."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from minyi.intake.models import Channel
from minyi.org.models import Unit
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion

TZ = ZoneInfo("Asia/Shanghai")
YEARS = 3
BATCH = 20_000
CHANNEL_WEIGHTS = {
    "hotline": 60,
    "mailbox": 8,
    "walk_in": 7,
    "letter": 2,
    "grid": 11,
    "market": 2,
    "miniprogram": 10,
}
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 8, 10, 14, 15, 13, 10, 8, 7, 6, 4, 3, 2]
CLOSED = ("archived", "rated", "replied")
OPEN = ("accepted", "dispatched", "signed_for", "in_progress")
BODIES = (
    "{place}{matter}问题反映多次仍未解决，影响周边居民正常生活，希望有关部门尽快处理。",
    "市民反映{place}存在{matter}情况，已持续一段时间，请求相关部门核实并依法处理。",
    "{place}附近{matter}，居民意见较大，希望社区和街道协调解决并及时回复。",
)

APPEAL_COLUMNS = (
    "id",
    "tracking_no",
    "channel_id",
    "external_id",
    "title",
    "body",
    "phone",
    "is_anonymous",
    "is_confidential",
    "crowd_size",
    "category_hint_id",
    "submitted_at",
)
CASE_COLUMNS = (
    "id",
    "appeal_id",
    "tracking_no",
    "status",
    "version",
    "channel_id",
    "category_id",
    "class_name",
    "policy_code",
    "first_unit_id",
    "lead_unit_id",
    "street_id",
    "community_id",
    "registered_at",
    "updated_at",
    "due_at",
    "closed_at",
    "is_overdue",
    "bounce_pending",
    "bounce_count",
    "reopen_count",
    "rating",
    "is_key_case",
    "key_checklist",
)
CLOCK_COLUMNS = (
    "subject",
    "subject_id",
    "case_id",
    "milestone",
    "name",
    "policy_code",
    "calendar",
    "state",
    "started_at",
    "due_at",
    "warn_at",
    "next_fire_at",
    "total_seconds",
    "warn_seconds",
    "breached_at",
    "extended_seconds",
)
ESCALATION_COLUMNS = ("case_id", "level", "rule_code", "rule_set_version", "lifted_at")
LINK_COLUMNS = ("appeal_id", "other_id", "kind", "cluster_id", "created_at")


@dataclass(frozen=True)
class District:
    channels: list[tuple[int, str]]  # (id, kind)
    leaves: list[tuple[int, str, str, str, int | None]]  # (id, class, level4, policy, lead unit)
    communities: list[tuple[int, int, str]]  # (id, street id, name)
    departments: list[int]
    dispatch: int


def load_district(session: Session) -> District:
    channels = [
        (c.id, c.kind) for c in session.scalars(select(Channel)) if c.kind in CHANNEL_WEIGHTS
    ]
    version = session.scalar(
        select(DictionaryVersion.id).where(DictionaryVersion.is_current.is_(True))
    )
    leaves = [
        (e.id, e.class_name, e.level4, e.policy_code, e.lead_unit_id)
        for e in session.scalars(
            select(DictionaryEntry).where(DictionaryEntry.version_id == version)
        )
    ]
    units = list(session.scalars(select(Unit)))
    return District(
        channels=channels,
        leaves=leaves,
        communities=[(u.id, u.parent_id or 0, u.name) for u in units if u.kind == "community"],
        departments=[u.id for u in units if u.kind == "department" and u.code != "DISPATCH"],
        dispatch=next(u.id for u in units if u.code == "DISPATCH"),
    )


def day_weights(start: date, days: int, rng: random.Random) -> list[float]:
    out = []
    for n in range(days):
        d = start + timedelta(days=n)
        w = 1.0 + 0.12 * n / 365
        w *= 0.6 if d.weekday() >= 5 else 1.0
        w *= 1.0 + 0.25 * math.sin(2 * math.pi * (d.timetuple().tm_yday - 105) / 365)
        if (d.month, d.day) <= (2, 20) and (d.month, d.day) >= (1, 25):
            w *= 0.7
        out.append(w * rng.uniform(0.85, 1.15))
    return out


def plan_days(n: int, end: date, rng: random.Random) -> list[tuple[date, int]]:
    days = YEARS * 365
    start = end - timedelta(days=days - 1)
    weights = day_weights(start, days, rng)
    scale = n / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(days), n - sum(counts)):
        counts[i] += 1
    return [(start + timedelta(days=i), c) for i, c in enumerate(counts)]


def _bursts(
    plan: list[tuple[date, int]], district: District, rng: random.Random
) -> dict[date, tuple[int, int, float]]:
    """day -> (leaf index, community index, share of the day's appeals it takes)."""
    out = {}
    for d, _ in plan:
        if rng.random() < 0.1:
            out[d] = (
                rng.randrange(len(district.leaves)),
                rng.randrange(len(district.communities)),
                rng.uniform(0.03, 0.08),
            )
    return out


def generate(
    engine: Engine,
    district: District,
    n: int,
    end: date,
    progress: Callable[[int], None],
    seed: int = 2026,
) -> int:
    """Write `n` appeals with their cases (and the open book's clocks, escalations and links)
    for the YEARS*365 local days ending on `end`. Returns the rows written."""
    rng = random.Random(seed)
    plan = plan_days(n, end, rng)
    bursts = _bursts(plan, district, rng)
    leaf_w = [1.0 / (i + 1) ** 0.9 for i in range(len(district.leaves))]
    leaf_order = list(range(len(district.leaves)))
    rng.shuffle(leaf_order)
    comm_w = [rng.uniform(0.3, 1.7) for _ in district.communities]
    channel_ids = [c for c, kind in district.channels]
    chan_w = [
        CHANNEL_WEIGHTS[kind] / max(1, sum(k == kind for _, k in district.channels))
        for _, kind in district.channels
    ]
    recent = datetime.combine(end - timedelta(days=30), datetime.min.time(), tzinfo=TZ)
    cut = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=TZ) + timedelta(
        hours=8
    )
    writer = _Writer(engine)
    appeal_id = 0
    batch: dict[str, list[tuple[Any, ...]]] = {
        "appeals": [],
        "cases": [],
        "clocks": [],
        "case_escalations": [],
        "appeal_links": [],
    }
    for day, count in plan:
        burst = bursts.get(day)
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=TZ)
        hours = rng.choices(range(24), HOUR_WEIGHTS, k=count)
        leaves = rng.choices(leaf_order, leaf_w, k=count)
        comms = rng.choices(range(len(district.communities)), comm_w, k=count)
        chans = rng.choices(channel_ids, chan_w, k=count)
        for k in range(count):
            appeal_id += 1
            leaf_i, comm_i = leaves[k], comms[k]
            if burst and rng.random() < burst[2] * 4:
                leaf_i, comm_i = burst[0], burst[1]
            leaf_id, class_name, matter, policy, lead = district.leaves[leaf_i]
            comm_id, street_id, place = district.communities[comm_i]
            at = (midnight + timedelta(hours=hours[k], seconds=rng.randrange(3600))).astimezone(UTC)
            tracking = f"{day:%Y%m%d}-{appeal_id:06d}"
            crowd = rng.randint(5, 60) if rng.random() < 0.01 else None
            batch["appeals"].append(
                (
                    appeal_id,
                    tracking,
                    chans[k],
                    None,
                    f"{place}{matter}",
                    rng.choice(BODIES).format(place=place, matter=matter),
                    f"13{rng.randrange(10**9):09d}",
                    False,
                    False,
                    crowd,
                    leaf_id,
                    at,
                )
            )
            due = at + timedelta(days=rng.choice((1, 3, 5, 10)))
            lead_unit = lead or rng.choice(district.departments)
            is_recent = at >= recent
            if not is_recent or rng.random() < 0.55:
                closed = at + timedelta(hours=rng.uniform(2, 24 * 12))
                closed = min(closed, cut - timedelta(minutes=1)) if closed >= cut else closed
                status, rating = (
                    rng.choice(CLOSED),
                    rng.choices(("satisfied", "basically_satisfied", "unsatisfied"), (80, 15, 5))[
                        0
                    ],
                )
            else:
                closed, status, rating = None, rng.choice(OPEN), None
            overdue = (closed or cut) > due
            batch["cases"].append(
                (
                    appeal_id,
                    appeal_id,
                    tracking,
                    status,
                    1,
                    chans[k],
                    leaf_id,
                    class_name,
                    policy,
                    district.dispatch,
                    lead_unit,
                    street_id,
                    comm_id,
                    at,
                    closed or at,
                    due,
                    closed,
                    overdue and closed is None,
                    False,
                    1 if rng.random() < 0.02 else 0,
                    0,
                    rating,
                    rng.random() < 0.003,
                    "{}",
                )
            )
            if is_recent:
                total = (due - at).total_seconds()
                state = (
                    "running"
                    if closed is None and due > cut
                    else ("breached" if overdue else "met")
                )
                batch["clocks"].append(
                    (
                        "case",
                        appeal_id,
                        appeal_id,
                        "close",
                        "办结时限",
                        policy,
                        "natural",
                        state,
                        at,
                        due,
                        due - timedelta(seconds=total * 0.2),
                        due if state == "running" else None,
                        total,
                        total * 0.8,
                        due if overdue else None,
                        0.0,
                    )
                )
                if rng.random() < 0.01 or crowd:
                    batch["case_escalations"].append(
                        (appeal_id, "unit_head", "bench", 1, at + timedelta(hours=1))
                    )
                if appeal_id > 10 and rng.random() < 0.03:
                    other = rng.randrange(max(1, appeal_id - 5000), appeal_id)
                    batch["appeal_links"].append((appeal_id, other, "repeat", None, at))
            if len(batch["appeals"]) >= BATCH:
                writer.flush(batch)
                progress(BATCH)
    left = len(batch["appeals"])
    writer.flush(batch)
    progress(left)
    writer.finish(appeal_id)
    return appeal_id


class _Writer:
    """Raw DBAPI batches: COPY on PostgreSQL, executemany on SQLite (values formatted as
    SQLAlchemy stores them there: UTC text with microseconds)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()

    @staticmethod
    def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
        # Every datetime generated is already in UTC; isoformat is the fast way to the text.
        return tuple(
            v.replace(tzinfo=None).isoformat(" ", "microseconds") if type(v) is datetime else v
            for v in row
        )

    def flush(self, batch: dict[str, list[tuple[Any, ...]]]) -> None:
        columns = {
            "appeals": APPEAL_COLUMNS,
            "cases": CASE_COLUMNS,
            "clocks": CLOCK_COLUMNS,
            "case_escalations": ESCALATION_COLUMNS,
            "appeal_links": LINK_COLUMNS,
        }
        cur = self.raw.cursor()
        if not self.pg:  # the engine's connections run in autocommit: one transaction a batch
            cur.execute("BEGIN")
        for table, rows in batch.items():
            if not rows:
                continue
            cols = columns[table]
            if self.pg:
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(cols))
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                    [self._sqlite_row(row) for row in rows],
                )
            rows.clear()
        self.raw.commit()

    def finish(self, last_id: int) -> None:
        cur = self.raw.cursor()
        mark = "%s" if self.pg else "?"
        # Later intake takes appeal ids after the generated ones.
        cur.execute(
            f"INSERT INTO counters (name, value) VALUES ('appeals', {mark}) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (last_id,),
        )
        self.raw.commit()
        cur.execute("ANALYZE")
        self.raw.commit()
        self.raw.close()
