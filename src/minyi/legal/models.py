from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class LegalConsultation(Base):
    """法律咨询: a resident lawyer's record of one consultation, for an appointment (booked on the
    portal or at a window) or a walk-in, linked to the case when there is one. `name` and
    `phone` are the citizen's; `question` and `advice` are personal (privacy.rules.legal_show).
    `documents` the titles of what was handed over (起诉状范本, 劳动仲裁申请书 ...)."""

    __tablename__ = "legal_consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_appointments.id"), unique=True
    )
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("service_sites.id"), index=True)
    lawyer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(20), index=True)
    question: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(Text)
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    needs_follow_up: Mapped[bool] = mapped_column(default=False)
    follow_up: Mapped[str | None] = mapped_column(String(500))
    consulted_at: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime]


class LegalAidReferral(Base):
    """法律援助: a referral to 区司法局 from a consultation or a case, with the applicant's
    situation, and its decision (准予 / 不予, with the reason, the date and who decided) and the
    lawyer assigned. `situation` is personal, as the consultation's question."""

    __tablename__ = "legal_aid_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("legal_consultations.id"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(20))
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    household_size: Mapped[int | None]
    hardship: Mapped[str] = mapped_column(String(20))
    situation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    referred_at: Mapped[datetime] = mapped_column(index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    lawyer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class PrePetitionAdvice(Base):
    """访前法律工作室: legal advice given on a walk-in or letter case before it is accepted:
    where the matter belongs (诉讼 / 仲裁 / 行政复议 / 信访), the advice, and the citizen's
    choice once made."""

    __tablename__ = "legal_pre_petition_advices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    route: Mapped[str] = mapped_column(String(20))
    advice: Mapped[str] = mapped_column(Text)
    choice: Mapped[str] = mapped_column(String(20))
    advised_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    advised_at: Mapped[datetime] = mapped_column(index=True)
    chosen_at: Mapped[datetime | None]
