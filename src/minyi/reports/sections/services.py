"""五类服务: the five services side by side — per service, the cases registered on the day and in
the 30 days up to it with how many of those are closed, the appointments kept at the service
sites, and each workflow's own figures over the 30 days (mediation's success and judicial
confirmation rates, legal aid decisions, counselling sessions, relief paid ...), read from the
workflow's `service_figures` (a lower layer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from minyi.reports.context import ReportContext
from minyi.reports.rules import TREND_DAYS
from minyi.services.queries import appointments_by_service, service_totals
from minyi.services.rules import SERVICE_LABELS, Service

KEY = "services"
TITLE = "五类服务"

# Each workflow's own figures over a period; a service without an entry shows the counts only.
FigureReader = Callable[..., dict[str, Any]]
WORKFLOW_FIGURES: dict[Service, FigureReader] = {}


def flat_figures(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The scalar figures of a workflow's dict as (label, value) rows, in its own order; nested
    breakdowns (by site, by mediator) stay out of the morning's page."""
    return [
        {"label": label, "value": value}
        for label, value in figures.items()
        if value is None or isinstance(value, int | float | str)
    ]


def _workflow(session: Session, service: Service, since: Any, until: Any) -> list[dict[str, Any]]:
    reader = WORKFLOW_FIGURES.get(service)
    return flat_figures(reader(session, since=since, until=until)) if reader else []


def build(ctx: ReportContext) -> dict[str, Any]:
    month_start = ctx.period.start(-(TREND_DAYS - 1))
    day = service_totals(ctx.session, ctx.start, ctx.end)
    month = service_totals(ctx.session, month_start, ctx.end)
    booked = appointments_by_service(ctx.session, ctx.start, ctx.end)
    rows = [
        {
            "service": service.value,
            "label": SERVICE_LABELS[service],
            "day": day[service][0],
            "day_closed": day[service][1],
            "month": month[service][0],
            "month_closed": month[service][1],
            "appointments": booked[service][0],
            "attended": booked[service][1],
            "figures": _workflow(ctx.session, service, month_start, ctx.end),
        }
        for service in Service
    ]
    return {
        "services": rows,
        "items": [
            {"key": f"service:{r['service']}", "label": f"{r['label']}服务"}
            for r in rows
            if r["day"] or r["month"]
        ],
    }
