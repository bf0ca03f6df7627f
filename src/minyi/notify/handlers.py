"""Tell the citizen by SMS: a receipt with the tracking number when the case is registered, and
a notice when it is replied. Both are outbox rows in the registration's or action's transaction.
Appeals whose phone is a landline (or missing) get no SMS."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.hooks import CASE_ACTION, CASES_REGISTERED, ActionDone, RegisteredCase
from minyi.cases.models import Appeal, Case
from minyi.core.partitions import keep_ahead
from minyi.core.registry import Registry
from minyi.notify.jobs import deliver_due
from minyi.notify.rules import Channel, is_mobile, receipt_text, replied_text
from minyi.notify.service import enqueue, enqueue_many


def receipt_key(case_id: int) -> str:
    return f"receipt:{case_id}"


def send_receipts(session: Session, cases: list[RegisteredCase]) -> None:
    """One receipt per new case, in the group commit's one INSERT. The dedupe key keeps a replayed
    batch from sending a second receipt; `registered_at` stands for now (the hook has no clock)."""
    rows = [
        {
            "channel": Channel.SMS.value,
            "recipient": c.phone,
            "subject": None,
            "body": receipt_text(c.tracking_no),
            "case_id": c.case_id,
            "dedupe_key": receipt_key(c.case_id),
            "payload": {"kind": "receipt", "tracking_no": c.tracking_no},
        }
        for c in cases
        if is_mobile(c.phone)
    ]
    if rows:
        enqueue_many(session, rows, now=max(c.registered_at for c in cases))


def send_reply_notice(session: Session, done: ActionDone) -> None:
    if done.action != "reply":
        return
    found = session.execute(
        select(Appeal.phone, Case.tracking_no)
        .join(Case, Case.appeal_id == Appeal.id)
        .where(Case.id == done.case_id)
    ).one_or_none()
    if found is None or not is_mobile(found.phone):
        return
    enqueue(
        session,
        channel=Channel.SMS.value,
        recipient=found.phone,
        subject=None,
        body=replied_text(found.tracking_no),
        now=done.at,
        case_id=done.case_id,
        payload={"kind": "replied", "tracking_no": found.tracking_no},
    )


def install(registry: Registry) -> None:
    registry.add(CASES_REGISTERED, "notify.receipt", send_receipts)
    registry.add(CASE_ACTION, "notify.reply", send_reply_notice)
    registry.job("deliver_outbox", lambda ctx: deliver_due(ctx.session, now=ctx.now))
    # Every partitioned table's coming months (core/partitions.py, ADR 0008), here because
    # notify is the lowest domain that runs jobs; a no-op on SQLite. Hourly: cheap when they
    # exist, and months ahead of need when they do not.
    registry.job("partitions_ahead", keep_ahead, every=3600)
