"""热点问题: the analytics hotspot pass (clusters of appeals on one matter in one place, ranked by
heat index) over the 7 local days ending with the reported day, growth = the day against the day
before, as `analytics.queries.hotspots_of_day` does, but on the report's own day bounds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from minyi.analytics.hotspots import MAX_GROWTH, Hotspot, HotspotConfig
from minyi.analytics.queries import find_hotspots
from minyi.cases.models import Case
from minyi.reports.context import ReportContext

KEY = "hotspots"
TITLE = "热点问题"
LIMIT = 10
WINDOW_DAYS = 7
# Tracking numbers listed per hotspot; the count says how many there are in all.
MEMBERS_SHOWN = 4


def _span(ctx: ReportContext, first: datetime, last: datetime) -> str:
    a, b = first.astimezone(ctx.period.tz), last.astimezone(ctx.period.tz)
    if a.date() == b.date():
        return f"{a:%m-%d %H:%M}—{b:%H:%M}"
    return f"{a:%m-%d %H:%M}—{b:%m-%d %H:%M}"


def _row(
    ctx: ReportContext, h: Hotspot, offsets: dict[int, int], numbers: dict[int, str]
) -> dict[str, Any]:
    ids = [int(i) for i in h.member_ids]
    shown = [numbers[i] for i in ids[:MEMBERS_SHOWN] if i in numbers]
    first_no = numbers.get(ids[0], str(ids[0]))
    place = h.place or "未明确"
    # Titles often start with the place already (书香社区井盖缺失破损): say it once.
    headline = h.description if place in h.description else f"{place}：{h.description}"
    return {
        "key": f"hotspot:{first_no}",
        "rank": h.rank,
        "heat": h.heat,
        "description": h.description,
        "place": place,
        "headline": headline,
        "messages": h.messages,
        "day": sum(1 for i in ids if offsets.get(i) == 0),
        "prev_day": sum(1 for i in ids if offsets.get(i) == -1),
        "growth": h.growth,
        "citizens": h.citizens,
        "repeats": h.repeats,
        "people": h.citizens + h.crowd_extra,
        "first_at": h.first_at.astimezone(ctx.period.tz).isoformat(),
        "last_at": h.last_at.astimezone(ctx.period.tz).isoformat(),
        "span": _span(ctx, h.first_at, h.last_at),
        "keywords": list(h.keywords),
        "tracking_nos": shown,
    }


def build(ctx: ReportContext) -> dict[str, Any]:
    found = find_hotspots(
        ctx.session,
        start=ctx.period.start(-(WINDOW_DAYS - 1)),
        end=ctx.end,
        limit=LIMIT,
        config=HotspotConfig(growth_days=1),
    )
    # Day offsets come from the month of cases the context already holds: no second read.
    offsets = {c.id: c.day_offset for c in ctx.recent_cases()}
    wanted = {int(i) for h in found for i in h.member_ids[:MEMBERS_SHOWN]}
    numbers = (
        dict(
            ctx.session.execute(select(Case.id, Case.tracking_no).where(Case.id.in_(wanted))).all()
        )
        if wanted
        else {}
    )
    rows = [_row(ctx, h, offsets, numbers) for h in found]
    return {
        "window_days": WINDOW_DAYS,
        "max_growth": MAX_GROWTH,  # growth is clipped there: the page says "≥300%"
        "hotspots": rows,
        "rule": (
            # Read by a 区委书记: say what counts, not the formula (analytics/rules.py holds it).
            f"近{WINDOW_DAYS}日同一社区（街道）内内容相近的诉求聚为一类；热度综合诉求人数、重复件、"
            "联名人数和点赞数，当日较前一日增长越快热度越高（增幅按最高300%计）"
        ),
        "items": [
            {"key": r["key"], "label": f"热点：{r['headline']}（{r['messages']}件）"} for r in rows
        ],
    }
