"""Worker jobs: register the Open311 requests that queued clients left (GeoReport tokens)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minyi.core.errors import MinyiError
from minyi.core.ids import reserve_block
from minyi.core.retries import RetryPolicy, handle_each
from minyi.intake.models import Channel
from minyi.intake.refs import REFS
from minyi.intake.schemas import AppealIn
from minyi.intake.service import Registered, register_appeals
from minyi.integrations.models import Open311Client, Open311Queued
from minyi.integrations.open311 import ClientRef
from minyi.org.rules import Actor

BATCH = 100
RETRY = RetryPolicy(
    kind="open311", max_attempts=5, first_delay=timedelta(minutes=1), max_delay=timedelta(hours=1)
)


def register_queued(session: Session, *, now: datetime, limit: int = BATCH) -> int:
    """Register up to `limit` due queued requests in the job's one transaction. SKIP LOCKED lets
    several workers share the queue on PostgreSQL. A request intake refuses keeps its reason on
    the row (its token then answers with the error) and is never retried as if it could pass;
    one whose registration raises does not hold up the rest (core/retries.py): the batch is
    redone item by item and the bad one backs off, then parks (`minyi parked list open311`)."""
    rows = session.execute(
        select(Open311Queued, Open311Client, Channel.code)
        .join(Open311Client, Open311Client.id == Open311Queued.client_id)
        .join(Channel, Channel.id == Open311Client.channel_id)
        .where(
            Open311Queued.case_id.is_(None),
            Open311Queued.error.is_(None),
            Open311Queued.parked_at.is_(None),
            or_(Open311Queued.next_attempt_at.is_(None), Open311Queued.next_attempt_at <= now),
        )
        .order_by(Open311Queued.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Open311Queued)
    ).all()
    if not rows:
        return 0
    handle_each(
        session,
        [(queued, client, channel) for queued, client, channel in rows],
        lambda batch: _register(session, batch, now),
        policy=RETRY,
        now=now,
        state_of=lambda item: session.get(Open311Queued, item[0].id),
        id_of=lambda item: item[0].id,
        batch_first=True,
    )
    return len(rows)


def _register(
    session: Session, batch: list[tuple[Open311Queued, Open311Client, str]], now: datetime
) -> int:
    items: list[AppealIn] = []
    actors: list[Actor | None] = []
    queued: list[Open311Queued] = []
    for row, client, channel in batch:
        try:
            items.append(AppealIn.model_validate(row.appeal | {"channel": channel}))
        except ValidationError as error:
            row.error = str(error.errors()[0].get("msg", "invalid"))[:500]
            continue
        actors.append(ClientRef(client.id, client.name, channel, True).actor())
        queued.append(row)
    if items:
        first = reserve_block(session, "appeals", len(items))
        results = register_appeals(
            session,
            items,
            actors=actors,
            ids=list(range(first, first + len(items))),
            refs=REFS.of(session),
            now=now,
            tz=ZoneInfo(queued[0].timezone),
        )
        for row, result in zip(queued, results, strict=True):
            if isinstance(result, Registered):
                row.case_id, row.registered_at, row.tracking_code = (
                    result.id,
                    now,
                    result.tracking_code,
                )
            elif isinstance(result, MinyiError):
                row.error = result.message[:500]
    return len(batch)
