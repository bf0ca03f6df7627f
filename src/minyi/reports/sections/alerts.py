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

KEY = "alerts"
TITLE = "预警信号"
LIMIT = 15
CASES_SHOWN = 4
KIND_ZH = {"burst": "诉求激增", "repeat_petitioner": "重复来访", "crowd_growth": "群体诉求增长"}
LEVEL_ZH = {"red": "红色", "yellow": "黄色"}
AREA_ZH = {"community": "社区", "street": "街道"}
STATUS_ZH = {"open": "待签收", "acknowledged": "已签收"}


def _local(iso: str, tz: ZoneInfo) -> str:
    at = datetime.fromisoformat(iso)
    return f"{at.astimezone(tz) if at.tzinfo else at:%m-%d %H:%M}"


def evidence_line(v: AlertView, tz: ZoneInfo) -> str:
    """The alert's evidence as a leader reads it: the figures that made it an alert."""
    e = v.evidence
    if v.kind == "burst":
        area = AREA_ZH.get(e.get("area_level", ""), "")
        # With no history the test assumes a small prior rate, not zero: say so.
        rate = "先验日均" if e["baseline_count"] == 0 else "日均"
        return (
            f"{area}{v.unit_name or ''}当日{e['count']}件，近{e['baseline_days']}天共"
            f"{e['baseline_count']}件（按{rate}{e['expected_per_day']:.2f}件计），"
            f"泊松检验 p={e['p_value']:.1e}"
        )
    if v.kind == "repeat_petitioner":
        return f"来电{e['phone']}近{e['window_days']}天反映{e['count']}次（达{e['tier']}次档）"
    if v.kind == "crowd_growth":
        first, last = (_local(e[k], tz) for k in ("first_at", "last_at"))
        return (
            f"{e['citizens']}人反映{e['messages']}件，热度{e['heat']}，"
            f"当日较前一日增长{'≥' if e['growth'] >= MAX_GROWTH else ''}{e['growth'] * 100:.0f}%，"
            f"{first}至{last}"
        )
    return ""


def build(ctx: ReportContext) -> dict[str, Any]:
    try:
        with ctx.session.begin_nested():
            views = early_warnings(ctx.session, day=ctx.period.day, now=ctx.now)
    except IntegrityError:
        # Another transaction stored one of these alerts first (two issuers of different days
        # share repeat and crowd keys, which carry no day): it is known now, so read again.
        views = early_warnings(ctx.session, day=ctx.period.day, now=ctx.now)
    shown = views[:LIMIT]
    wanted = {int(i) for v in shown for i in v.evidence.get("case_ids", [])[:CASES_SHOWN]}
    numbers = (
        dict(ctx.session.execute(select(Case.id, Case.tracking_no).where(Case.id.in_(wanted))).all())
        if wanted
        else {}
    )
    rows = []
    for v in shown:
        case_ids = [int(i) for i in v.evidence.get("case_ids", [])]
        rows.append(
            {
                "key": f"alert:{v.id}",
                "alert_id": v.id,
                "kind": v.kind,
                "kind_zh": KIND_ZH.get(v.kind, v.kind),
                "level": v.level,
                "level_zh": LEVEL_ZH.get(v.level, v.level),
                "title": v.title,
                "unit": v.unit,
                "unit_name": v.unit_name,
                "class_name": v.class_name,
                "status": v.status,
                "status_zh": STATUS_ZH.get(v.status, v.status),
                "acknowledged_by": v.acknowledged_by,
                "evidence": v.evidence,
                "evidence_line": evidence_line(v, ctx.period.tz),
                "cases": len(case_ids),
                "tracking_nos": [numbers[i] for i in case_ids[:CASES_SHOWN] if i in numbers],
            }
        )
    counts = {kind: sum(v.kind == kind for v in views) for kind in KIND_ZH}
    return {
        "total": len(views),
        "red": sum(v.level == "red" for v in views),
        "counts": counts,
        "labels": KIND_ZH,
        "alerts": rows,
        "items": [{"key": r["key"], "label": f"预警：{r['title']}"} for r in rows],
    }
