"""Cheap counts for the Prometheus gauges, computed at scrape time: each is one COUNT over an
indexed prefix (outbox by status, clocks by state), so a scrape every 15 s costs nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.integrations.models import Open311Queued
from minyi.notify.models import OutboxMessage
from minyi.sla.models import Clock


def outbox_backlog(session: Session) -> dict[tuple[str, str], int]:
    """(channel, status) -> messages not yet sent (pending) or given up on (failed)."""
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(("pending", "failed")))
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    )
    return {(channel, status): int(n) for channel, status, n in rows}


def clocks_due(session: Session, now: datetime) -> int:
    """Running clocks whose warning or breach should already have fired: the worker's backlog."""
    return int(
        session.scalar(
            select(func.count()).select_from(Clock).where(Clock.state == "running", Clock.next_fire_at <= now)
        ) or 0
    )


def clocks_breached(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Clock).where(Clock.state == "breached")) or 0)


def open311_queue(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Open311Queued).where(Open311Queued.case_id.is_(None), Open311Queued.error.is_(None))
        ) or 0
    )
