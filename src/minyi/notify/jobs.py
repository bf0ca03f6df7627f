"""The worker's delivery job: send due outbox messages, record the outcome, retry with back-off.

Delivery is at least once. A message is marked sent in the transaction that claimed it, after
the receiver accepted it; if the process dies in between, the transaction rolls back, the row
is still pending and goes out again on the next run. Receivers de-duplicate on the message id
(X-Minyi-Message-Id header, email Message-ID). Nothing is ever lost: a failure is recorded on
the row with a back-off, an unconfigured channel waits, and only a refusal for good or
MAX_ATTEMPTS failures turn a row `failed` (parked), where it stays for people to look at
(`minyi parked list`, `minyi parked retry`).

Each message is tried in a SAVEPOINT of its own (core/retries.py, the mechanism every worker job
shares): whatever one message does wrong, a sender's bug or a write the database refuses, it is
recorded on that row and the others go out and are marked sent.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from minyi.core.caches import Slot
from minyi.core.retries import handle_each
from minyi.core.settings import defaults
from minyi.notify.hooks import notify_sent
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import UNCONFIGURED_DELAY, Channel, Status, retry_policy
from minyi.notify.senders import NotConfigured, Senders

log = logging.getLogger(__name__)

# On SQLite the worker's transaction holds the database write lock while it sends, so stop
# taking new messages after this long; the worker runs the job again at once for the rest.
BUDGET_SECONDS = 2.0

# A pass pushes back at most about this many messages of channels nobody can send yet (see
# `_hold_unsendable`), so a backlog of them never holds the worker in one long statement.
HOLD_BATCH = 2000


# The runtime's senders, put there from its settings (wiring.build_runtime); a database of its
# own (a test's, a tool's) builds them from the defaults on first use. Tests put theirs.
SENDERS: Slot[Senders] = Slot("notify.senders", lambda: Senders.from_settings(defaults()))


def deliver_due(
    session: Session,
    *,
    now: datetime,
    senders: Senders | None = None,
    limit: int = 50,
    budget_seconds: float = BUDGET_SECONDS,
) -> int:
    """Try the due pending messages, oldest due first; returns how many were tried. SKIP LOCKED
    lets several workers share the outbox on PostgreSQL without sending a row twice (SQLAlchemy
    leaves it out on SQLite, whose write lock serialises the workers instead); a row another
    worker already sent no longer matches when the lock is taken."""
    registry = senders or SENDERS.of(session)
    unsendable = [c.value for c in Channel if not registry.has(c.value)]
    tried = _hold_unsendable(session, unsendable, now) if unsendable else 0
    due = and_(OutboxMessage.status == Status.PENDING.value, OutboxMessage.next_attempt_at <= now)
    if unsendable:
        due = and_(due, OutboxMessage.channel.not_in(unsendable))
    stmt = (
        select(OutboxMessage)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    started = time.monotonic()
    messages = list(session.scalars(stmt).all())
    # One policy per job run names the kind in the logs; webhook messages are logged as such.
    for channel in sorted({m.channel for m in messages}):
        if tried and time.monotonic() - started > budget_seconds:
            break
        outcome = handle_each(
            session,
            [m for m in messages if m.channel == channel],
            lambda batch: _deliver(session, batch, registry, now),
            policy=retry_policy(channel),
            now=now,
            state_of=lambda m: session.get(OutboxMessage, m.id),
            id_of=lambda m: m.id,
            # On SQLite the write lock is held while sending: stop taking new messages in time.
            keep_going=lambda: time.monotonic() - started <= budget_seconds,
        )
        tried += outcome.done + outcome.failed
    session.flush()
    return tried


def _hold_unsendable(session: Session, channels: list[str], now: datetime) -> int:
    """Push back the due messages of channels without a sender (no SMS gateway yet) by
    UNCONFIGURED_DELAY, in one UPDATE that loads no row; returns how many. During a burst of
    appeals every receipt is such a message: taken 50 at a time through the ORM they cost intake
    about 6 % of its throughput (stop 29's A/B). Bounded: the statement stops at the due time of
    the HOLD_BATCH-th message (an index read), and the worker runs the job again for the rest.
    Two workers may run it at once: the second waits for the first's row locks, then finds
    those rows no longer due."""
    due = and_(
        OutboxMessage.status == Status.PENDING.value,
        OutboxMessage.next_attempt_at <= now,
        OutboxMessage.channel.in_(channels),
    )
    cutoff = session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at)
        .offset(HOLD_BATCH - 1)
        .limit(1)
    )
    if cutoff is not None:
        due = and_(due, OutboxMessage.next_attempt_at <= cutoff)
    held = session.execute(
        update(OutboxMessage)
        .where(due)
        .values(last_error=str(NotConfigured()), next_attempt_at=now + UNCONFIGURED_DELAY)
        .execution_options(synchronize_session=False)
    )
    return int(held.rowcount or 0)  # type: ignore[attr-defined]


def _deliver(
    session: Session, messages: list[OutboxMessage], senders: Senders, now: datetime
) -> int:
    """Send one message (handle_each gives them one at a time); a failure raises."""
    for message in messages:
        _deliver_one(session, message, senders, now)
    return len(messages)


def _deliver_one(session: Session, message: OutboxMessage, senders: Senders, now: datetime) -> None:
    try:
        senders.get(message.channel).send(message)
    except NotConfigured as error:
        message.last_error = str(error)
        message.next_attempt_at = now + UNCONFIGURED_DELAY
        return
    message.attempts += 1
    message.status = Status.SENT.value
    message.sent_at = now
    message.last_error = None
    failed = notify_sent(session, message, now)
    if failed:
        message.last_error = f"sent; handlers failed: {', '.join(failed)}"
