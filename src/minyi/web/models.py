"""Web-only tables: failed sign-ins, counted per (username, client address) for throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class SignInFailure(Base):
    """One failed password attempt. Rows older than the throttle window are deleted on the next
    failure for the same key, so the table stays small without a sweeper."""

    __tablename__ = "web_sign_in_failures"
    __table_args__ = (Index("ix_web_sign_in_failures_key_at", "username", "client", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
