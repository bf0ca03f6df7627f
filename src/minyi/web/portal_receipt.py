"""What the citizen's receipt promises: when to expect contact (from the case's running clocks,
that is from its clock policy) and whether a text message with the tracking number went out.
Nothing personal: the receipt's address is known to whoever has the tracking number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import Channel
from minyi.sla.models import Clock
from minyi.sla.service import RUNNING

# Milestones that promise a call or a visit; without one, the case's earliest deadline.
CONTACT_MILESTONES = ("contact", "call")
# The 10-minute "we got it" clock is the receipt itself, not a promise to the citizen.
NOT_A_PROMISE = ("feedback",)


@dataclass(frozen=True)
class ReceiptFacts:
    anonymous: bool
    expect_by: datetime | None  # when the promised step is due
    expect_step: str | None  # its name in the clock policy (30分钟电话约见, 1天内电话联系 ...)
    calendar: str | None  # natural | workdays | workhours
    sms: str | None  # the outbox row's status (pending, sent, ...); None when none was queued


def receipt_facts(session: Session, tracking_no: str) -> ReceiptFacts | None:
    row = session.execute(
        select(Case.id, Appeal.is_anonymous)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(Case.tracking_no == tracking_no)
    ).first()
    if row is None:
        return None
    case_id, anonymous = row
    clocks = [
        c
        for c in session.scalars(
            select(Clock)
            .where(Clock.subject == "case", Clock.subject_id == case_id, Clock.state == RUNNING)
            .order_by(Clock.due_at)
        )
        if c.milestone not in NOT_A_PROMISE
    ]
    promise = next(
        (c for c in clocks if c.milestone in CONTACT_MILESTONES), clocks[0] if clocks else None
    )
    sms = session.scalar(
        select(OutboxMessage.status)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.channel == Channel.SMS.value)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    return ReceiptFacts(
        anonymous=bool(anonymous),
        expect_by=promise.due_at if promise else None,
        expect_step=promise.name if promise else None,
        calendar=promise.calendar if promise else None,
        sms=sms,
    )
