"""五类服务: the five services side by side — per service, the cases registered on the day and in
the 30 days up to it with how many of those are closed, the day's appointments at the service
sites, and each workflow's own figures over the 30 days (analytics/services.py, a lower layer)."""

from __future__ import annotations

from typing import Any

from minyi.analytics.services import service_rows
from minyi.reports.context import ReportContext
from minyi.reports.rules import TREND_DAYS

KEY = "services"
TITLE = "五类服务"


def build(ctx: ReportContext) -> dict[str, Any]:
    day = {r["service"]: r for r in service_rows(ctx.session, since=ctx.start, until=ctx.end)}
    month = service_rows(ctx.session, since=ctx.period.start(-(TREND_DAYS - 1)), until=ctx.end)
    rows = [
        {
            "service": m["service"],
            "label": m["label"],
            "day": day[m["service"]]["received"],
            "day_closed": day[m["service"]]["closed"],
            "month": m["received"],
            "month_closed": m["closed"],
            "appointments": day[m["service"]]["appointments"],
            "attended": day[m["service"]]["attended"],
            "figures": m["figures"],
        }
        for m in month
    ]
    return {
        "services": rows,
        "items": [
            {"key": f"service:{r['service']}", "label": f"{r['label']}服务"}
            for r in rows
            if r["day"] or r["month"]
        ],
    }
