"""The five services side by side over a period, for the assessment and the daily report: per
service the cases registered and how many are closed, the appointments kept at the service sites,
and the workflow's own figures (mediation's success and judicial confirmation rates, legal aid
decisions, counselling sessions, relief paid ...), read from its `service_figures`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minyi.counselling.queries import service_figures as counselling_figures
from minyi.legal.queries import service_figures as legal_figures
from minyi.mediation.queries import service_figures as mediation_figures
from minyi.relief.queries import service_figures as relief_figures
from minyi.services.queries import appointments_by_service, service_totals
from minyi.services.rules import SERVICE_LABELS, Service

# Each workflow's figures over a period (complaint handling's are the rest of the report).
WORKFLOW_FIGURES: dict[Service, Callable[..., dict[str, Any]]] = {
    Service.MEDIATION: mediation_figures,
    Service.LEGAL: legal_figures,
    Service.COUNSELLING: counselling_figures,
    Service.RELIEF: relief_figures,
}


def flat_figures(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The scalar figures of a workflow's dict as (label, value) rows, in its own order; nested
    breakdowns (by site, by mediator) stay in the workflow's own pages. A dict that keeps its
    figures under "figures" (relief's) is read there."""
    inner = figures.get("figures")
    if isinstance(inner, dict):
        figures = inner
    return [
        {"label": label, "value": value}
        for label, value in figures.items()
        if value is None or isinstance(value, int | float | str)
    ]


def service_rows(session: Session, *, since: datetime, until: datetime) -> list[dict[str, Any]]:
    totals = service_totals(session, since, until)
    booked = appointments_by_service(session, since, until)
    rows = []
    for service in Service:
        reader = WORKFLOW_FIGURES.get(service)
        rows.append(
            {
                "service": service.value,
                "label": SERVICE_LABELS[service],
                "received": totals[service][0],
                "closed": totals[service][1],
                "appointments": booked[service][0],
                "attended": booked[service][1],
                "figures": flat_figures(reader(session, since=since, until=until))
                if reader
                else [],
            }
        )
    return rows
