"""The daily hotspot pass, computed by the worker and stored; pages read the stored result.

The pass clusters every appeal of the last seven days (analytics/hotspots.py). Its cost grows
with the week's appeals: 0.8 s at the bench's 1M, 22 s at its 10M (100× a real district's daily
volume; a real district's 10M is about 77,000 appeals a week, ~3 s). It used to run on a page
view whenever the per-process memo (10 minutes) missed, so one reader in ten minutes per process
waited for it. Now the worker's `compute_hotspots` job (every HOTSPOT_EVERY) runs it for today,
and for yesterday until a pass of it has run after its midnight (so that yesterday's row covers
the whole day), and
stores the top STORED_LIMIT clusters in `hotspot_passes`; the leader's dashboard, the alerts page
and the receptions' area page read that row (one primary-key-sized read). A page whose day has no
row yet shows the newest earlier one, with a note saying so (`stored_note`).

Why not a bounded pass (sampling a capped number of texts a day)? The figures a hotspot shows
(appeals, people, repeats, growth) are counts the leader acts on, and a cluster of twenty
appeals among 100,000 a day would vanish from a sample; the pass is exact and off the request
path instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.analytics.hotspots import Hotspot
from minyi.analytics.models import HotspotPass
from minyi.analytics.queries import hotspots_of_day
from minyi.analytics.rules import BEIJING
from minyi.core.clock import local_day
from minyi.core.db import reading_beside

WINDOW_DAYS = 7
# Enough for every reader: the dashboard shows 8, the alerts page and the API 10 by default,
# the crowd-growth alert reads 50. The pass's order makes the top N of 50 the top N.
STORED_LIMIT = 50
HOTSPOT_EVERY = 600  # seconds: what the per-process memo used to keep a pass for


@dataclass(frozen=True)
class StoredHotspots:
    day: date
    window_days: int
    computed_at: datetime
    hotspots: list[Hotspot]


def _to_json(h: Hotspot) -> dict[str, Any]:
    d = asdict(h)
    d["first_at"], d["last_at"] = h.first_at.isoformat(), h.last_at.isoformat()
    d["member_ids"], d["keywords"] = list(h.member_ids), list(h.keywords)
    return d


def _from_json(d: dict[str, Any]) -> Hotspot:
    return Hotspot(
        **{
            **d,
            "first_at": datetime.fromisoformat(d["first_at"]),
            "last_at": datetime.fromisoformat(d["last_at"]),
            "member_ids": tuple(d["member_ids"]),
            "keywords": tuple(d.get("keywords", ())),
        }
    )


def store_pass(
    session: Session, *, day: date, now: datetime, found: list[Hotspot], window_days: int
) -> None:
    row = session.scalar(
        select(HotspotPass).where(HotspotPass.day == day, HotspotPass.window_days == window_days)
    )
    if row is None:
        row = HotspotPass(day=day, window_days=window_days)
        session.add(row)
    row.computed_at = now
    row.hotspots = [_to_json(h) for h in found]
    session.flush()


def compute_hotspots(session: Session, *, now: datetime, every: int = HOTSPOT_EVERY) -> int:
    """The job: today's pass when the stored one is older than `every` seconds (several workers
    may run it twice, harmlessly: the row is replaced), and yesterday's once more if it was
    computed before yesterday ended. Returns the passes run. The clustering reads beside
    `session` (on SQLite intake never waits for it); only the row is written in it."""
    today = local_day(now)
    due = []
    with reading_beside(session) as reader:
        stored = dict(
            reader.execute(
                select(HotspotPass.day, HotspotPass.computed_at).where(
                    HotspotPass.window_days == WINDOW_DAYS,
                    HotspotPass.day.in_((today, today - timedelta(days=1))),
                )
            ).all()
        )
        yesterday = today - timedelta(days=1)
        done = stored.get(yesterday)
        if done is None or local_day(done) <= yesterday:
            due.append(yesterday)
        last = stored.get(today)
        if last is None or (now - last).total_seconds() >= every:
            due.append(today)
        found = {
            day: hotspots_of_day(reader, day=day, window_days=WINDOW_DAYS, limit=STORED_LIMIT)
            for day in due
        }
    for day, spots in found.items():
        store_pass(session, day=day, now=now, found=spots, window_days=WINDOW_DAYS)
    return len(found)


def stored_hotspots(
    session: Session, day: date, *, limit: int = 10, window_days: int = WINDOW_DAYS
) -> StoredHotspots | None:
    """The newest stored pass for `day` or, when that day's is not computed yet, the newest
    earlier one (`StoredHotspots.day` says which); None when none is stored."""
    row = session.scalar(
        select(HotspotPass)
        .where(HotspotPass.window_days == window_days, HotspotPass.day <= day)
        .order_by(HotspotPass.day.desc())
        .limit(1)
    )
    if row is None:
        return None
    return StoredHotspots(
        day=row.day,
        window_days=row.window_days,
        computed_at=row.computed_at,
        hotspots=[_from_json(d) for d in row.hotspots[:limit]],
    )


def stored_note(stored: StoredHotspots | None, day: date) -> str | None:
    """What a page says above the hotspots when they are not today's (zh-CN), else None."""
    minutes = HOTSPOT_EVERY // 60
    if stored is None:
        return f"热点由后台每{minutes}分钟计算一次，尚未算出，请稍后刷新。"
    if stored.day < day:
        at = stored.computed_at.astimezone(BEIJING)
        return (
            f"今日热点尚未算出（后台每{minutes}分钟计算一次），以下为"
            f"{stored.day.month}月{stored.day.day}日{at:%H:%M}的计算结果。"
        )
    return None
