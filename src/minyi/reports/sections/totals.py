"""总体情况: how many appeals came in on the day, against the day before and the same weekday a
week before, by channel, class and street; how many were closed; the 30-day trend."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from minyi.cases.models import Case
from minyi.reports.context import ReportContext
from minyi.reports.rules import TREND_DAYS, change
from minyi.reports.sections._common import CHANNEL_KIND_ZH, by_offset, compare_rows

KEY = "totals"
TITLE = "总体情况"


def build(ctx: ReportContext) -> dict[str, Any]:
    cases = by_offset(ctx.recent_cases())
    today = len(cases.get(0, []))
    channels = ctx.channels()
    closed = ctx.session.scalar(
        select(func.count()).where(Case.closed_at >= ctx.start, Case.closed_at < ctx.end)
    )
    closed_prev = ctx.session.scalar(
        select(func.count()).where(
            Case.closed_at >= ctx.period.start(-1), Case.closed_at < ctx.start
        )
    )
    per_day = Counter(c.day_offset for c in ctx.recent_cases())
    trend = [
        {"day": (ctx.period.day + timedelta(days=o)).isoformat(), "count": per_day[o]}
        for o in range(-(TREND_DAYS - 1), 1)
    ]
    by_street = compare_rows(cases, lambda c: c.street_id, ctx.unit)
    return {
        "received": today,
        "prev_day": change(today, len(cases.get(-1, []))),
        "last_week": change(today, len(cases.get(-7, []))),
        "closed": int(closed or 0),
        "closed_prev_day": change(int(closed or 0), int(closed_prev or 0)),
        "average_30": round(sum(per_day.values()) / TREND_DAYS, 1),
        "by_channel": compare_rows(
            cases,
            lambda c: channels.get(c.channel_id, ("", "other", ""))[1],
            lambda kind: (kind, CHANNEL_KIND_ZH.get(kind, kind)),
        ),
        "by_class": compare_rows(
            cases, lambda c: c.class_name or "", lambda name: (name, name or "未分类")
        ),
        "by_street": by_street,
        "trend": trend,
        "items": [
            {"key": f"street:{row['code']}", "label": f"{row['name']}诉求量（{row['count']}件）"}
            for row in by_street
            if row["code"]
        ],
    }
