from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Notification(Base):
    """One notice for one staff member. It stores what happened and to what (kind, case, the
    order/letter/task id), never text about the case: the page words it at read time, through
    the reader's privacy view, so a notice shows no more than the case page would."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "dedupe_key"),
        Index("ix_notifications_recipient_id_read_at", "recipient_id", "read_at"),
        # The centre's keyset order: a reader's notices, newest first.
        Index("ix_notifications_recipient_id_created_at_id", "recipient_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(20))  # rules.Kind
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # The order, letter or instruction task the notice is about, by kind; None for case kinds.
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    # e.g. "assigned:<case_id>:<at>": a replayed trigger does not notify the same person twice.
    dedupe_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
