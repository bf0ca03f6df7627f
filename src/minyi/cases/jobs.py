"""Worker jobs on cases: mark breached deadlines (red) once, with an event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case, CaseEvent
from minyi.cases.rules import CaseStatus

OPEN_STATUSES = [
    s.value for s in (CaseStatus.REGISTERED, CaseStatus.ACCEPTED, CaseStatus.DISPATCHED, CaseStatus.SIGNED_FOR, CaseStatus.IN_PROGRESS)
]


def mark_breaches(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Flag open cases past their deadline. SKIP LOCKED lets several workers share the sweep on
    PostgreSQL without waiting on each other; the flag itself makes a repeat a no-op."""
    stmt = (
        select(Case)
        .where(Case.due_at < now, Case.is_overdue.is_(False), Case.status.in_(OPEN_STATUSES))
        .order_by(Case.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    cases = list(session.scalars(stmt))
    for case in cases:
        case.is_overdue = True
        session.add(
            CaseEvent(
                case_id=case.id, at=now, action="breach", actor_id=None, actor_label="system",
                from_status=case.status, to_status=case.status, reason="超过办理时限",
                payload={"due_at": case.due_at.isoformat() if case.due_at else None, "policy": case.policy_code},
            )
        )
    session.flush()
    return len(cases)
