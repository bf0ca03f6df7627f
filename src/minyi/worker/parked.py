"""What the worker gave up on: items of every kind parked by core/retries.py after their last
attempt (clocks, outbox messages, webhook deliveries, triage queue entries, scheduled reports,
queued Open311 requests).
Listed and re-armed by `minyi parked`, counted per kind by the `minyi_parked_items` metric.

A listing shows ids, counts, times and the last error, never a recipient or a case's text; the
error goes through the privacy policy's free-text mask first (a gateway may quote the number it
refused)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from minyi.core.errors import Invalid, NotFound
from minyi.core.retries import Retried
from minyi.integrations.models import Open311Queued
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import Channel, Status
from minyi.privacy.rules import mask_text
from minyi.reports.models import ReportRun
from minyi.sla.models import Clock
from minyi.triage.models import TriageQueueEntry


@dataclass(frozen=True)
class ParkedKind:
    model: type[Any]
    key: InstrumentedAttribute[int]
    parked: ColumnElement[bool]

    def describe(self, row: Any) -> str:
        if isinstance(row, Clock):
            return (
                f"case {row.case_id} {row.milestone}"
                if row.case_id
                else f"{row.subject} {row.subject_id} {row.milestone}"
            )
        if isinstance(row, OutboxMessage):
            return f"{row.channel} {row.subject or ''}".strip() + (
                f" case {row.case_id}" if row.case_id else ""
            )
        if isinstance(row, TriageQueueEntry):
            return f"appeal {row.appeal_id}"
        if isinstance(row, Open311Queued):
            return f"Open311 request {row.id}"
        if isinstance(row, ReportRun):
            return f"{row.kind} report of {row.period_start.isoformat()}"
        return ""


_failed = OutboxMessage.status == Status.FAILED.value
KINDS: dict[str, ParkedKind] = {
    "clock": ParkedKind(Clock, Clock.id, Clock.parked_at.is_not(None)),
    "outbox": ParkedKind(
        OutboxMessage, OutboxMessage.id, _failed & (OutboxMessage.channel != Channel.WEBHOOK.value)
    ),
    "webhook": ParkedKind(
        OutboxMessage, OutboxMessage.id, _failed & (OutboxMessage.channel == Channel.WEBHOOK.value)
    ),
    "triage": ParkedKind(
        TriageQueueEntry, TriageQueueEntry.appeal_id, TriageQueueEntry.parked_at.is_not(None)
    ),
    "open311": ParkedKind(Open311Queued, Open311Queued.id, Open311Queued.parked_at.is_not(None)),
    "report": ParkedKind(
        ReportRun, ReportRun.id, ReportRun.parked_at.is_not(None) & ReportRun.issue_id.is_(None)
    ),
}


def _kind(kind: str) -> ParkedKind:
    spec = KINDS.get(kind)
    if spec is None:
        raise Invalid(
            "unknown_kind", f"no parked kind '{kind}'; known: {', '.join(KINDS)}", field="kind"
        )
    return spec


def parked_counts(session: Session) -> dict[str, int]:
    """Parked items per kind, every kind present (0 included): one COUNT each."""
    return {
        kind: int(
            session.scalar(select(func.count()).select_from(spec.model).where(spec.parked)) or 0
        )
        for kind, spec in KINDS.items()
    }


def _view(kind: str, spec: ParkedKind, row: Retried) -> dict[str, Any]:
    parked_at: datetime | None = row.parked_at
    return {
        "kind": kind,
        "id": getattr(row, spec.key.key),
        "what": spec.describe(row),
        "attempts": row.attempts,
        "last_error": mask_text(row.last_error) if row.last_error else None,
        "parked_at": parked_at.isoformat() if parked_at else None,
    }


def parked_items(
    session: Session, *, kind: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Parked items, oldest parked first within each kind."""
    kinds = [kind] if kind else list(KINDS)
    items: list[dict[str, Any]] = []
    for name in kinds:
        spec = _kind(name)
        order = spec.model.parked_at
        rows = session.scalars(
            select(spec.model).where(spec.parked).order_by(order, spec.key).limit(limit)
        )
        items.extend(_view(name, spec, row) for row in rows)
    return items


def retry_parked(session: Session, *, kind: str, item_id: int, now: datetime) -> dict[str, Any]:
    """Put a parked item back in its queue, due at once, with a fresh attempt count."""
    spec = _kind(kind)
    row = session.scalar(
        select(spec.model).where(spec.key == item_id, spec.parked).with_for_update()
    )
    if row is None:
        raise NotFound("not_parked", f"no parked {kind} {item_id}")
    row.rearm(now)
    session.flush()
    return {"kind": kind, "id": item_id, "rearmed_at": now.isoformat()}
