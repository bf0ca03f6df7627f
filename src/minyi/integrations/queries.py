"""Read side of the integrations: the Open311 queue's backlog, a Prometheus gauge computed at
scrape time as one COUNT over an indexed prefix (the other gauges count in notify.queries and
sla.queries, beside what they measure)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.integrations.models import Open311Queued


def open311_queue(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Open311Queued)
            .where(Open311Queued.case_id.is_(None), Open311Queued.error.is_(None))
        )
        or 0
    )
