"""Webhook subscribers: outside systems told of case events by signed JSON POSTs.

An event becomes one outbox message per interested subscriber, written in the transaction of the
change (so a rolled-back action tells nobody and a committed one is never forgotten), and sent by
the notify worker with its retries and back-off. The delivery log is `webhook_deliveries` joined
to the outbox rows.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session

from minyi.cases.hooks import ActionDone, RegisteredCase
from minyi.cases.models import Case
from minyi.cases.rules import Action
from minyi.core.caches import Slot
from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.integrations.models import WebhookDelivery, WebhookSubscriber
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import Channel, is_http_url
from minyi.notify.service import enqueue, enqueue_many

EVENT_TYPES = frozenset({"case.registered", "ping", *(f"case.{a.value}" for a in Action)})
ALL = "*"
CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class SubscriberRef:
    id: int
    url: str
    events: frozenset[str]

    def wants(self, event: str) -> bool:
        return ALL in self.events or event in self.events


class _SubscriberCache:
    """Active subscribers, read at most every CACHE_SECONDS: intake's group commit asks for every
    batch and should not pay a query for a table that changes a few times a year. A change made
    in this runtime clears it at once; other processes and runtimes see it within CACHE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: tuple[float, list[SubscriberRef]] | None = None

    def get(self, session: Session) -> list[SubscriberRef]:
        with self._lock:
            hit = self._rows
            if hit is None or time.monotonic() - hit[0] > CACHE_SECONDS:
                rows = [
                    SubscriberRef(s.id, s.url, frozenset(s.events))
                    for s in session.scalars(
                        select(WebhookSubscriber).where(WebhookSubscriber.is_active.is_(True))
                    )
                ]
                hit = self._rows = (time.monotonic(), rows)
            return hit[1]

    def clear(self) -> None:
        with self._lock:
            self._rows = None


SUBSCRIBERS: Slot[_SubscriberCache] = Slot("integrations.webhook_subscribers", _SubscriberCache)


def _forget_after_commit(session: Session) -> None:
    """Clear now and again once committed: a reload between the two would cache the old rows."""
    cache = SUBSCRIBERS.of(session)
    cache.clear()
    event.listen(session, "after_commit", lambda _s: cache.clear(), once=True)


# --- managing subscribers --------------------------------------------------------------------


def _check_events(events: list[str]) -> list[str]:
    if not events:
        raise Invalid("no_events", "name at least one event type, or *", field="events")
    unknown = sorted(set(events) - EVENT_TYPES - {ALL})
    if unknown:
        raise Invalid(
            "unknown_event",
            f"unknown event type {', '.join(unknown)}; known: {', '.join(sorted(EVENT_TYPES))}",
            field="events",
        )
    return sorted(set(events))


def _check_url(url: str) -> str:
    if not is_http_url(url) or len(url) > 500:
        raise Invalid("bad_url", f"'{url}' is not an http(s) URL", field="url")
    return url


def add_subscriber(
    session: Session,
    *,
    name: str,
    url: str,
    events: list[str],
    secret: str | None,
    by: str,
    now: datetime,
) -> tuple[WebhookSubscriber, str]:
    """The subscriber and its secret (generated when not given; shown to the admin once)."""
    if not name or len(name) > 60:
        raise Invalid("bad_name", "name: 1-60 characters", field="name")
    if (
        session.scalar(select(WebhookSubscriber.id).where(WebhookSubscriber.name == name))
        is not None
    ):
        raise Conflict("subscriber_exists", f"a webhook subscriber '{name}' already exists")
    if secret is not None and not 16 <= len(secret) <= 200:
        raise Invalid("weak_secret", "the secret must be 16-200 characters", field="secret")
    secret = secret or secrets.token_urlsafe(32)
    row = WebhookSubscriber(
        name=name,
        url=_check_url(url),
        secret=secret,
        events=_check_events(events),
        is_active=True,
        created_at=now,
        created_by=by,
    )
    session.add(row)
    session.flush()
    _forget_after_commit(session)
    return row, secret


def subscriber(session: Session, name: str) -> WebhookSubscriber:
    row = session.scalar(select(WebhookSubscriber).where(WebhookSubscriber.name == name))
    if row is None:
        raise NotFound("subscriber_not_found", f"no webhook subscriber '{name}'")
    return row


def update_subscriber(
    session: Session,
    *,
    name: str,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscriber:
    row = subscriber(session, name)
    if url is not None:
        row.url = _check_url(url)
    if events is not None:
        row.events = _check_events(events)
    if is_active is not None:
        row.is_active = is_active
    session.flush()
    _forget_after_commit(session)
    return row


def subscriber_view(row: WebhookSubscriber) -> dict[str, Any]:
    return {
        "name": row.name,
        "url": row.url,
        "events": row.events,
        "is_active": row.is_active,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
    }


def list_subscribers(session: Session) -> list[dict[str, Any]]:
    return [
        subscriber_view(s)
        for s in session.scalars(select(WebhookSubscriber).order_by(WebhookSubscriber.name))
    ]


def deliveries(
    session: Session, *, name: str, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The subscriber's delivery log, newest first: each event with its outbox state."""
    row = subscriber(session, name)
    stmt = (
        select(WebhookDelivery, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.id == WebhookDelivery.message_id)
        .where(WebhookDelivery.subscriber_id == row.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return [
        {
            "id": d.id,
            "event": d.event,
            "case_id": d.case_id,
            "message_id": m.id,
            "status": m.status,
            "attempts": m.attempts,
            "last_error": m.last_error,
            "created_at": d.created_at.isoformat(),
            "next_attempt_at": m.next_attempt_at.isoformat() if m.status == "pending" else None,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        }
        for d, m in session.execute(stmt)
    ]


# --- publishing events -----------------------------------------------------------------------


def _document(event: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"event_id": uuid.uuid4().hex, "event": event, "occurred_at": at.isoformat(), **fields}


def _record(
    session: Session,
    subscriber_id: int,
    message: OutboxMessage | None,
    event: str,
    case_id: int | None,
    now: datetime,
) -> None:
    if message is not None:
        session.add(
            WebhookDelivery(
                subscriber_id=subscriber_id,
                message_id=message.id,
                message_created_at=message.created_at,
                event=event,
                case_id=case_id,
                created_at=now,
            )
        )


def ping(session: Session, *, name: str, now: datetime) -> int:
    """A test event to one subscriber, whatever it subscribed to; returns the delivery id."""
    row = subscriber(session, name)
    message = enqueue(
        session,
        channel=Channel.WEBHOOK.value,
        recipient=row.url,
        subject="ping",
        body="ping",
        now=now,
        payload=_document("ping", now, subscriber=row.name),
    )
    _record(session, row.id, message, "ping", None, now)
    session.flush()
    return message.id if message else 0


def publish_registered(session: Session, cases: list[RegisteredCase]) -> None:
    wanting = [s for s in SUBSCRIBERS.of(session).get(session) if s.wants("case.registered")]
    if not wanting or not cases:
        return
    now = max(c.registered_at for c in cases)
    rows, keys = [], {}
    for s in wanting:
        for c in cases:
            key = f"webhook:{s.id}:registered:{c.case_id}"
            keys[key] = (s.id, c.case_id)
            rows.append(
                {
                    "channel": Channel.WEBHOOK.value,
                    "recipient": s.url,
                    "subject": "case.registered",
                    "body": "case.registered",
                    "case_id": c.case_id,
                    "dedupe_key": key,
                    "payload": _document(
                        "case.registered",
                        c.registered_at,
                        case_id=c.case_id,
                        tracking_no=c.tracking_no,
                        channel=c.channel,
                        to_status="registered",
                    ),
                }
            )
    enqueue_many(session, rows, now=now)
    # A replayed batch finds its messages already there (dedupe) and must not log them twice.
    found = list(
        session.execute(
            select(OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.created_at).where(
                OutboxMessage.dedupe_key.in_(list(keys))
            )
        )
    )
    logged = set(
        session.scalars(
            select(WebhookDelivery.message_id).where(
                WebhookDelivery.message_id.in_([i for i, _, _ in found])
            )
        )
    )
    for message_id, dedupe, created_at in found:
        if message_id not in logged and dedupe is not None:  # always a key: the IN above
            sub_id, case_id = keys[dedupe]
            session.add(
                WebhookDelivery(
                    subscriber_id=sub_id,
                    message_id=message_id,
                    message_created_at=created_at,
                    event="case.registered",
                    case_id=case_id,
                    created_at=now,
                )
            )
    session.flush()


def publish_action(session: Session, done: ActionDone) -> None:
    event = f"case.{done.action}"
    wanting = [s for s in SUBSCRIBERS.of(session).get(session) if s.wants(event)]
    if not wanting:
        return
    tracking_no = session.scalar(select(Case.tracking_no).where(Case.id == done.case_id))
    document = _document(
        event,
        done.at,
        case_id=done.case_id,
        tracking_no=tracking_no,
        action=done.action,
        from_status=done.from_status,
        to_status=done.to_status,
        actor=done.actor.username,
    )
    for s in wanting:
        message = enqueue(
            session,
            channel=Channel.WEBHOOK.value,
            recipient=s.url,
            subject=event,
            body=event,
            now=done.at,
            payload=document | {"event_id": uuid.uuid4().hex},
            case_id=done.case_id,
        )
        _record(session, s.id, message, event, done.case_id, done.at)
    session.flush()


def secret_for_message(message: OutboxMessage) -> str | None:
    """The subscriber's own secret for a webhook message the outbox is sending."""
    if message.channel != Channel.WEBHOOK.value:
        return None
    session = object_session(message)
    if session is None:
        return None
    return session.scalar(
        select(WebhookSubscriber.secret)
        .join(WebhookDelivery, WebhookDelivery.subscriber_id == WebhookSubscriber.id)
        .where(WebhookDelivery.message_id == message.id)
    )
