from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    # A leader mailbox belongs to one leader, who sees its letters directly (主官在线).
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    allows_anonymous: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)


class Appeal(Base):
    """One submission by a citizen, as it arrived. Never edited after registration."""

    __tablename__ = "appeals"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_appeals_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    external_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    citizen_name: Mapped[str | None] = mapped_column(String(60))
    id_card: Mapped[str | None] = mapped_column(String(18))
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    is_confidential: Mapped[bool] = mapped_column(default=False)
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    crowd_size: Mapped[int | None]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    category_hint_id: Mapped[int | None] = mapped_column(ForeignKey("dictionary_entries.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    submitted_at: Mapped[datetime]


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[datetime]
