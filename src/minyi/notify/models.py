from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base
from minyi.core.retries import Retried


class OutboxMessage(Retried, Base):
    """One outgoing message, written in the transaction of the change it reports and sent by the
    worker after commit. Delivery is at least once: a crash between sending and committing sends
    again, so receivers de-duplicate on the message id (X-Minyi-Message-Id, email Message-ID)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # rules.Channel
    recipient: Mapped[str] = mapped_column(String(500))  # phone, email address or URL
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    # e.g. "receipt:<case_id>": a second message with the same key is skipped, not sent twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
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
