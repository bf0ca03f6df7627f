from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Dispute(Base):
    """纠纷调解 on one case at one site: the facts and the matters in dispute as the mediator
    records them, its state (调解中 → 达成协议 / 部分达成 / 调解不成 → 转出), and, once failed,
    where it was referred and why."""

    __tablename__ = "mediation_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("service_sites.id"), index=True)
    facts: Mapped[str] = mapped_column(Text)  # 纠纷主要事实
    matters: Mapped[str] = mapped_column(Text)  # 争议事项
    status: Mapped[str] = mapped_column(String(12), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    opened_at: Mapped[datetime] = mapped_column(index=True)
    outcome: Mapped[str | None] = mapped_column(String(12))
    outcome_at: Mapped[datetime | None] = mapped_column(index=True)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    referral: Mapped[str | None] = mapped_column(String(12))
    referral_reason: Mapped[str | None] = mapped_column(Text)
    referred_at: Mapped[datetime | None]


class DisputeParty(Base):
    """A party (申请人 or 被申请人); several per side. Personal data: read through the privacy
    policy (privacy/rules.py `party_show`)."""

    __tablename__ = "mediation_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("mediation_disputes.id"), index=True)
    side: Mapped[str] = mapped_column(String(12))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(300))


class DisputeMediator(Base):
    """A mediator of the dispute (one, or a panel with a lead)."""

    __tablename__ = "mediation_mediators"
    __table_args__ = (UniqueConstraint("dispute_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("mediation_disputes.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)


class MediationSession(Base):
    """A session of the dispute: planned (time, place or room, online or in person), held (the
    minutes and who attended) or cancelled."""

    __tablename__ = "mediation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("mediation_disputes.id"), index=True)
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("site_rooms.id"))
    is_online: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12))
    planned_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    planned_at: Mapped[datetime]
    held_at: Mapped[datetime | None] = mapped_column(index=True)
    minutes: Mapped[str | None] = mapped_column(Text)
    # {"parties": [party ids], "others": "free text (代理人、见证人)"}
    attendance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))


class Agreement(Base):
    """人民调解协议书: its number, kind (full or partial), how and by when it is performed, its
    signing, and judicial confirmation (司法确认): the court, when it was filed, the ruling. A
    refused agreement stays as history; the dispute goes back to mediation."""

    __tablename__ = "mediation_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("mediation_disputes.id"), index=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    is_partial: Mapped[bool] = mapped_column(default=False)
    performance: Mapped[str] = mapped_column(Text)  # 履行方式、时限
    status: Mapped[str] = mapped_column(String(12), index=True)
    signed_on: Mapped[date]
    made_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    made_at: Mapped[datetime] = mapped_column(index=True)
    court: Mapped[str | None] = mapped_column(String(100))
    filed_on: Mapped[date | None]
    ruling: Mapped[str | None] = mapped_column(String(12))
    ruled_on: Mapped[date | None]
    ruling_number: Mapped[str | None] = mapped_column(String(60))


class AgreementTerm(Base):
    """One numbered term of the agreement and its performance (履行): what is due, by when,
    the amount, and whether it was paid or done."""

    __tablename__ = "mediation_terms"
    __table_args__ = (UniqueConstraint("agreement_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("mediation_agreements.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    done_at: Mapped[datetime | None]
    done_note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
