"""Write notices (in the caller's transaction, never committing) and mark them read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minyi.core.bulk import insert_rows
from minyi.core.errors import NotFound
from minyi.notifications.models import Notification
from minyi.notifications.rules import Kind
from minyi.org.models import Staff
from minyi.org.rules import Actor


def notify_units(
    session: Session,
    *,
    unit_ids: Iterable[int],
    kind: Kind,
    case_id: int | None,
    subject_id: int | None,
    key: str,
    now: datetime,
) -> int:
    """One notice per active staff member of the units; a second notice with the same key for the
    same person is skipped (a replayed trigger). Returns how many recipients were offered."""
    units = sorted({u for u in unit_ids if u})
    if not units:
        return 0
    recipients = list(
        session.scalars(
            select(Staff.id)
            .where(Staff.unit_id.in_(units), Staff.is_active.is_(True))
            .order_by(Staff.id)
        )
    )
    rows = [
        {
            "recipient_id": staff_id,
            "kind": kind.value,
            "case_id": case_id,
            "subject_id": subject_id,
            "dedupe_key": key,
            "created_at": now,
            "read_at": None,
        }
        for staff_id in recipients
    ]
    insert_rows(session, Notification, rows, skip_conflicts_on=("recipient_id", "dedupe_key"))
    return len(rows)


def notify_staff(
    session: Session,
    *,
    staff_ids: Iterable[int],
    kind: Kind,
    case_id: int | None,
    subject_id: int | None,
    key: str,
    now: datetime,
) -> int:
    """One notice per named staff member (a counsellor, their supervisor), deduplicated by key
    like `notify_units`. Returns how many recipients were offered."""
    rows = [
        {
            "recipient_id": staff_id,
            "kind": kind.value,
            "case_id": case_id,
            "subject_id": subject_id,
            "dedupe_key": key,
            "created_at": now,
            "read_at": None,
        }
        for staff_id in sorted(set(staff_ids))
    ]
    if rows:
        insert_rows(session, Notification, rows, skip_conflicts_on=("recipient_id", "dedupe_key"))
    return len(rows)


def mark_read(
    session: Session, notification_id: int, *, actor: Actor, now: datetime
) -> Notification:
    """A notice of someone else's reads as not found."""
    notice = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.recipient_id == actor.staff_id
        )
    )
    if notice is None:
        raise NotFound("notification_not_found", f"no notification {notification_id}")
    if notice.read_at is None:
        notice.read_at = now
    session.flush()
    return notice


def mark_all_read(session: Session, *, actor: Actor, now: datetime) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.recipient_id == actor.staff_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
