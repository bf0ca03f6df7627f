from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class EscalationRuleSet(Base):
    """One imported version of the escalation rules; the current one is used (the file shipped in
    the package until an administrator imports one). Older versions stay for the record."""

    __tablename__ = "escalation_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # The parsed document, so a reader sees the rules without re-reading the YAML.
    content: Mapped[dict[str, Any]]
    is_current: Mapped[bool] = mapped_column(default=False, index=True)
    imported_at: Mapped[datetime]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class CaseEscalation(Base):
    """A case's current escalation level. Only ever raised; every lift is also a case event."""

    __tablename__ = "case_escalations"
    __table_args__ = (
        Index("ix_case_escalations_level_lifted_at", "level", "lifted_at"),
        # The escalated list's keyset order (newest lift first, the case breaking ties).
        Index("ix_case_escalations_lifted_at_case_id", "lifted_at", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("cases.id"), primary_key=True, autoincrement=False
    )
    level: Mapped[str] = mapped_column(String(20))
    rule_code: Mapped[str] = mapped_column(String(40))
    rule_set_version: Mapped[int]
    lifted_at: Mapped[datetime]
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)


class Holding(Base):
    """包案: a leader takes personal charge of a case until the release (销案) is approved."""

    __tablename__ = "holdings"
    __table_args__ = (
        Index("ix_holdings_leader_status", "leader_id", "status"),
        # A leader's holdings in the list's keyset order (newest taken first).
        Index("ix_holdings_leader_id_taken_at_id", "leader_id", "taken_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    # Equals case_id while the holding is active, NULL once closed: a unique column that allows
    # many NULLs gives "one active holding per case" on both backends without a partial index.
    active_case_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    level: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    taken_at: Mapped[datetime]
    plan: Mapped[str | None] = mapped_column(Text)  # 一案一策
    plan_updated_at: Mapped[datetime | None]
    # 三到位一处理
    problem_solved: Mapped[str | None] = mapped_column(Text)
    policy_explained: Mapped[str | None] = mapped_column(Text)
    hardship_helped: Mapped[str | None] = mapped_column(Text)
    unlawful_handled: Mapped[str | None] = mapped_column(Text)
    release_requested_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]


class HoldingVisit(Base):
    """A reception (接访) or home visit (家访) by the holding leader."""

    __tablename__ = "holding_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    holding_id: Mapped[int] = mapped_column(ForeignKey("holdings.id"), index=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    visited_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    people: Mapped[int]  # citizens met (人次)
    notes: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    recorded_at: Mapped[datetime]
