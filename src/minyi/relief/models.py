from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class ReliefApplication(Base):
    """帮扶救助申请: one applicant's request for one kind of help, on its case. The applicant's
    phone, id number, address, income and household are personal: they reach readers only
    through privacy.rules (relief_show). `person_key` is the id number, else name+phone: the
    duplicate-payment check looks the same person up by it. `returned_from` is the stage that
    returned (or refused) the application."""

    __tablename__ = "relief_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    returned_from: Mapped[str | None] = mapped_column(String(20))
    via: Mapped[str] = mapped_column(String(12))  # portal | window
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))
    person_key: Mapped[str] = mapped_column(String(90), index=True)
    address: Mapped[str] = mapped_column(String(300))
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    members: Mapped[int] = mapped_column(default=1)
    income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # household, yuan a month
    requested_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    request: Mapped[str] = mapped_column(Text)
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    approved_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    decided_at: Mapped[datetime | None]
    # Earlier payments to the same person for the same kind within the window, when flagged.
    duplicate_of: Mapped[list[Any]] = mapped_column(JSON, default=list)
    flagged_at: Mapped[datetime | None]
    repeat_reason: Mapped[str | None] = mapped_column(Text)  # the bureau's reason to pay again


class ReliefReview(Base):
    """One reviewer's decision at one stage (approve, return, refuse) or a resubmission."""

    __tablename__ = "relief_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("relief_applications.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime]


class ReliefPayment(Base):
    """发放: what was paid, when, how and by whom. `repeat_reason` when the bureau confirmed a
    payment flagged as a duplicate."""

    __tablename__ = "relief_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("relief_applications.id"), unique=True)
    person_key: Mapped[str] = mapped_column(String(90), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    paid_on: Mapped[date] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(12))
    paid_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime]
    repeat_reason: Mapped[str | None] = mapped_column(Text)


class ReliefFollowUp(Base):
    """回访 after the payment."""

    __tablename__ = "relief_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("relief_applications.id"), unique=True)
    visited_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text)
    visited_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime]
