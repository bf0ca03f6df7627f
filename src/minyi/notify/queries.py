"""Read-side of the outbox for the administrator: SMS and email that failed or still wait."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from minyi.core.listing import Listing, list_page
from minyi.core.paging import asc
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import Channel, Status

PEOPLE_CHANNELS = (Channel.SMS.value, Channel.EMAIL.value)
UNSENT = (Status.FAILED.value, Status.PENDING.value)


def unsent_messages(
    session: Session,
    *,
    status: str | None = None,
    channel: str | None = None,
    page: int = 1,
    page_size: int = 50,
    cursor: str | None = None,
) -> Listing[OutboxMessage]:
    """Failed first (they need a person), then waiting ones, oldest first within each."""
    stmt = select(OutboxMessage).where(
        OutboxMessage.channel.in_([channel] if channel in PEOPLE_CHANNELS else PEOPLE_CHANNELS),
        OutboxMessage.status.in_([status] if status in UNSENT else UNSENT),
    )
    # An integer rather than a boolean comparison: a sort key both databases order and compare
    # alike, carried in the cursor as a number.
    failed_first = case((OutboxMessage.status == Status.FAILED.value, 0), else_=1)
    order = [asc(failed_first), asc(OutboxMessage.created_at), asc(OutboxMessage.id)]
    return list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)


def unsent_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.channel.in_(PEOPLE_CHANNELS), OutboxMessage.status.in_(UNSENT))
        .group_by(OutboxMessage.status)
    ).all()
    return {status: int(n) for status, n in rows}


def failed_ids(session: Session, *, limit: int = 500) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.channel.in_(PEOPLE_CHANNELS),
                OutboxMessage.status == Status.FAILED.value,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


# A Prometheus gauge (api/observability.py), computed at scrape time: one COUNT over an indexed
# prefix, so a scrape every 15 s costs nothing.
def outbox_backlog(session: Session) -> dict[tuple[str, str], int]:
    """(channel, status) -> messages not yet sent (pending) or given up on (failed)."""
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(("pending", "failed")))
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    )
    return {(channel, status): int(n) for channel, status, n in rows}
