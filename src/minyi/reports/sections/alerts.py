"""预警信号: the early warnings of the reported day from `analytics.alerts` (a class bursting in a
community or street against its own 28-day baseline, repeat petitioners, crowd hotspots that
grew), each with its evidence and the tracking numbers of the cases behind it.

`early_warnings` stores the day's alerts that are not stored yet (each once: a unique key), so
the report and the alert desk show the same alerts with the same ids (a preview built in a
transaction that is rolled back shows them too, but stores nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from minyi.analytics.alerts import early_warnings
from minyi.analytics.hotspots import MAX_GROWTH
from minyi.analytics.queries import AlertView
from minyi.cases.models import Case
from minyi.reports.context import ReportContext
from minyi.reports.rules import (
    alert_headline,
    merge_area_bursts,
    nos_line,
    times_above,
    worst_level,
)

KEY = "alerts"
TITLE = "预警信号"
LIMIT = 15
CASES_SHOWN = 6
KIND_ZH = {"burst": "诉求激增", "repeat_petitioner": "重复来访", "crowd_growth": "群体诉求增长"}
LEVEL_ZH = {"red": "红色", "yellow": "黄色"}
AREA_ZH = {"community": "社区", "street": "街道"}
STATUS_ZH = {"open": "待签收", "acknowledged": "已签收"}


def _local(iso: str, tz: ZoneInfo) -> str:
    at = datetime.fromisoformat(iso)
    return f"{at.astimezone(tz) if at.tzinfo else at:%m-%d %H:%M}"


NEEDS = {
    "burst": {"count", "baseline_count", "baseline_days", "expected_per_day"},
    "repeat_petitioner": {"phone", "window_days", "count"},
    "crowd_growth": {"citizens", "messages", "growth", "first_at", "last_at"},
}


def evidence_line(v: AlertView, tz: ZoneInfo) -> str:
    """The alert's evidence as a leader reads it: the figures that made it an alert, in words
    (no test statistics: the Poisson test behind a burst stays on the alert desk)."""
    e = v.evidence
    if (
        not NEEDS.get(v.kind, set()) <= e.keys()
    ):  # an alert of another making: say nothing rather than fail
        return ""
    if v.kind == "burst":
        days = e["baseline_days"]
        basis = (
            f"近{days}天没有同类诉求"
            if e["baseline_count"] == 0
            else f"近{days}天共{e['baseline_count']}件"
        )
        return f"当日{e['count']}件，{basis}，比近{days}天常态{times_above(e['count'], e['expected_per_day'])}"
    if v.kind == "repeat_petitioner":
        return f"同一来电（{e['phone']}）近{e['window_days']}天反映{e['count']}次"
    if v.kind == "crowd_growth":
        first, last = (_local(e[k], tz) for k in ("first_at", "last_at"))
        return (
            f"{e['citizens']}人反映{e['messages']}件，"
            f"当日较前一日增长{'逾' if e['growth'] >= MAX_GROWTH else ''}{e['growth'] * 100:.0f}%，"
            f"{first}至{last}"
        )
    return ""


def headline(group: list[AlertView], place: str) -> str:
    """What the alert is about, once: "青松街道兴隆社区「占道经营」诉求激增"; the crowd alert's
    stored title names its community twice ("茶园社区「茶园社区占道经营」"): said once here."""
    v = group[0]
    if v.kind == "burst":
        return f"{place}「{v.class_name or '未分类'}」诉求激增"
    return alert_headline(v.title)


def build(ctx: ReportContext) -> dict[str, Any]:
    try:
        with ctx.session.begin_nested():
            views = early_warnings(ctx.session, day=ctx.period.day, now=ctx.now)
    except IntegrityError:
        # Another transaction stored one of these alerts first (two issuers of different days
        # share repeat and crowd keys, which carry no day): it is known now, so read again.
        views = early_warnings(ctx.session, day=ctx.period.day, now=ctx.now)
    # A community's burst and its street's over the same cases are one alert.
    groups = merge_area_bursts(views)
    shown = groups[:LIMIT]
    wanted = {int(i) for g in shown for i in g[0].evidence.get("case_ids", [])[:CASES_SHOWN]}
    numbers = (
        dict(
            ctx.session.execute(select(Case.id, Case.tracking_no).where(Case.id.in_(wanted))).all()
        )
        if wanted
        else {}
    )
    rows: list[dict[str, Any]] = []
    for group in shown:
        v = group[0]
        # Street first, then community: "青松街道兴隆社区".
        place = "".join(a.unit_name or "" for a in reversed(group)) or (v.unit_name or "")
        case_ids = [int(i) for i in v.evidence.get("case_ids", [])]
        count = int(v.evidence.get("count") or v.evidence.get("messages") or len(case_ids))
        level = worst_level([a.level for a in group])
        status = "open" if any(a.status == "open" for a in group) else v.status
        rows.append(
            {
                "key": f"alert:{v.id}",
                "alert_id": v.id,
                "alert_ids": [a.id for a in group],
                "kind": v.kind,
                "kind_zh": KIND_ZH.get(v.kind, v.kind),
                "level": level,
                "level_zh": LEVEL_ZH.get(level, level),
                "title": headline(group, place),
                "unit": v.unit,
                "unit_name": place or None,
                "class_name": v.class_name,
                "status": status,
                "status_zh": STATUS_ZH.get(status, status),
                "acknowledged_by": v.acknowledged_by,
                "evidence": v.evidence,
                "evidence_line": evidence_line(v, ctx.period.tz),
                "cases": max(count, len(case_ids)),
                "tracking_nos": [numbers[i] for i in case_ids[:CASES_SHOWN] if i in numbers],
            }
        )
    counts = {kind: sum(g[0].kind == kind for g in groups) for kind in KIND_ZH}
    return {
        "total": len(groups),
        "red": sum(worst_level([a.level for a in g]) == "red" for g in groups),
        "counts": counts,
        "labels": KIND_ZH,
        "alerts": rows,
        "items": [
            {
                "key": r["key"],
                "label": f"预警：{r['title']}（{nos_line(r['tracking_nos'], r['cases'])}）",
            }
            for r in rows
        ],
    }
