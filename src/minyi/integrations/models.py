from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base
from minyi.core.retries import Retried


class Open311Client(Base):
    """A platform allowed to POST service requests. Only the SHA-256 of its api_key is stored;
    its appeals arrive on its own channel, so they are counted and de-duplicated per client."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(8))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    # Queued clients get a token at once and the worker registers their requests (GeoReport's
    # "tokens"); the others get the service_request_id after the group commit.
    is_queued: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Open311Queued(Retried, Base):
    """A service request accepted from a queued client and not yet registered. Committed before
    the client gets its token, so nothing acknowledged is lost; `case_id` is set once registered.
    A request intake refuses keeps the reason in `error` (final); one whose registration raised
    is retried with back-off and parked after the last attempt (core/retries.py)."""

    __tablename__ = "open311_queue"
    __table_args__ = (Index("ix_open311_queue_pending", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("open311_clients.id"))
    appeal: Mapped[dict[str, Any]] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime]
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"))
    registered_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # The receipt's tracking code waits here for the token's holder, who reads it once (then it
    # is erased): the case itself keeps only its digest.
    tracking_code: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    parked_at: Mapped[datetime | None]


class WebhookSubscriber(Base):
    """An outside system told of case events: JSON POSTed to `url`, signed with its own secret
    (HMAC-SHA256, X-Minyi-Signature). The secret is kept as given: signing needs it in clear."""

    __tablename__ = "webhook_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    # Event types such as "case.registered", "case.dispatch"; ["*"] takes every event.
    events: Mapped[list[Any]] = mapped_column()
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(60))


class WebhookDelivery(Base):
    """One event for one subscriber: the outbox row that carries it holds the attempts, the
    last error and when it was sent, so the delivery log is this table joined to the outbox."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_subscriber_id_id", "subscriber_id", "id"),
        # The outbox is partitioned by created_at on PostgreSQL, its primary key (id,
        # created_at): the reference names both (ADR 0008).
        ForeignKeyConstraint(
            ["message_id", "message_created_at"],
            ["outbox_messages.id", "outbox_messages.created_at"],
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscribers.id"))
    message_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    message_created_at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
