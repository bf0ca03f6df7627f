from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base
from minyi.core.partitions import monthly
from minyi.core.retries import Retried

# The rows the worker and the administrator look at; a month whose messages all went out has an
# empty part of the index, so the queue costs the same however long the history (ADR 0008).
UNSENT_PREDICATE = "status <> 'sent'"


class OutboxMessage(Retried, Base):
    """One outgoing message, written in the transaction of the change it reports and sent by the
    worker after commit. Delivery is at least once: a crash between sending and committing sends
    again, so receivers de-duplicate on the message id (X-Minyi-Message-Id, email Message-ID).

    On PostgreSQL partitioned by the Beijing month of `created_at` (ADR 0008): the primary key
    there is (id, created_at), and a dedupe key is unique through `OutboxDedupe`."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index(
            "ix_outbox_messages_unsent",
            "status",
            "next_attempt_at",
            "id",
            postgresql_where=text(UNSENT_PREDICATE),
            sqlite_where=text(UNSENT_PREDICATE),
        ),
        # What webhook_deliveries' foreign key names: on PostgreSQL the widened primary key is
        # it, SQLite wants a unique key of its own.
        UniqueConstraint("id", "created_at", name="uq_outbox_messages_id_created_at").ddl_if(
            dialect="sqlite"
        ),
        monthly("created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # rules.Channel
    recipient: Mapped[str] = mapped_column(String(500))  # phone, email address or URL
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    # e.g. "receipt:<case_id>": a second message with the same key is skipped, not sent twice
    # (OutboxDedupe holds the keys: a partition cannot be unique across months).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # rules.Status
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # When the worker gave up (status `failed`): after MAX_ATTEMPTS, or at once when the receiver
    # refused it for good; `minyi parked retry outbox|webhook ID` sends it again.
    parked_at: Mapped[datetime | None]

    def park(self, now: datetime) -> None:
        # next_attempt_at stays (NOT NULL): the status takes it out of the queue.
        self.status, self.parked_at = "failed", now

    def rearm(self, now: datetime) -> None:  # noqa: ARG002 - its last attempt time is past: due at once
        self.status, self.parked_at, self.attempts = "pending", None, 0


class OutboxDedupe(Base):
    """Every dedupe key an outbox message was written with, one row each: the outbox is
    partitioned by month, and a unique key of a partitioned table holds only within a month, so
    the key that makes a message go out once lives here, in one small table. `enqueue` claims
    the key (INSERT … ON CONFLICT DO NOTHING) in the transaction that writes the message: the
    two commit or roll back together, and a second claim of the key (committed, or waiting for
    the first transaction) writes no message."""

    __tablename__ = "outbox_dedupe"

    dedupe_key: Mapped[str] = mapped_column(String(120), primary_key=True)
