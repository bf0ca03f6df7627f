from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, synonym

from minyi.core.db import Base
from minyi.core.partitions import monthly
from minyi.core.retries import Retried


class ClockPolicySet(Base):
    """One version of the policies file; the newest is current, older ones stay for the record."""

    __tablename__ = "clock_policy_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(60))


class Clock(Retried, Base):
    """A durable deadline. The worker fires it at `next_fire_at`: first the yellow warning, then
    the red breach. `subject` says what it times: a case milestone, a whistle summons, a task."""

    __tablename__ = "clocks"
    __table_args__ = (
        Index("ix_clocks_state_next_fire_at", "state", "next_fire_at"),
        Index("ix_clocks_subject", "subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    milestone: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    policy_code: Mapped[str | None] = mapped_column(String(20))
    calendar: Mapped[str] = mapped_column(String(20))
    # running | paused | met | breached | cancelled | moot | superseded (see sla.service)
    state: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime]
    next_fire_at: Mapped[datetime | None]
    # Counted seconds (in the calendar) of the whole clock and up to the warning.
    total_seconds: Mapped[float]
    warn_seconds: Mapped[float]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(Text)
    remaining_seconds: Mapped[float | None]
    extended_seconds: Mapped[float] = mapped_column(default=0.0)
    # A firing whose handler raised: how often, the last error, and when the worker gave up
    # (parked: next_fire_at is cleared so it stops retrying; `minyi parked list` lists it).
    fire_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    parked_at: Mapped[datetime | None]
    # The names core.retries reads and writes: a failed firing's retry is its next firing.
    attempts: Mapped[int] = synonym("fire_attempts")
    next_attempt_at: Mapped[datetime | None] = synonym("next_fire_at")

    def rearm(self, now: datetime) -> None:  # noqa: ARG002 - the clock's own times say when
        # Due again at the firing it failed (already past), so the next sweep takes it.
        self.parked_at, self.fire_attempts = None, 0
        self.next_fire_at = self.warn_at if self.warned_at is None else self.due_at


class ClockFiring(Base):
    """Each warning and breach, once. What prevents a second one is the sweep: it locks the clock
    and re-reads its state before firing (jobs.fire_due_clocks). The unique key backs it up; on
    PostgreSQL, where the table is partitioned by month of `fired_at` (ADR 0008), the key has to
    include `fired_at`, so there it refuses only a second firing at the same instant."""

    __tablename__ = "clock_firings"
    __table_args__ = (UniqueConstraint("clock_id", "kind"), monthly("fired_at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id"))
    kind: Mapped[str] = mapped_column(String(10))  # warning | breach
    fired_at: Mapped[datetime]
    worker: Mapped[str] = mapped_column(String(60))


class CalendarYear(Base):
    """A year of the working-day calendar an administrator keeps. `source` says how far to trust
    it: official (the State Council's notice, holidays and 调休 workdays) or statutory (only the
    holidays fixed by law; the notice's extra days off and working weekends are not in yet).
    `version` grows with every edit, so every process sees a change on its next deadline."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(default=1)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(60))


class CalendarDay(Base):
    """A day that is not what its weekday says: a holiday on a weekday, or a 调休 working weekend."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # holiday | workday
    note: Mapped[str | None] = mapped_column(String(60))


class ExtensionRequest(Base):
    """延期申请: a handler asks for more time on one milestone; the lead unit's head (or the
    centre) approves, which extends the clock once within the policy's limit, or refuses."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    milestone: Mapped[str] = mapped_column(String(30))
    days: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(
        String(10), default="pending", index=True
    )  # pending | approved | refused
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
