from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base


class Instruction(Base):
    """批示: a leader's written direction on a case, or on another item named by `subject_ref`
    (a daily-report item, e.g. "daily_report:12#3"). Each named unit gets a tracked task."""

    __tablename__ = "instructions"
    __table_args__ = (
        CheckConstraint("case_id IS NOT NULL OR subject_ref IS NOT NULL", name="has_subject"),
        # A leader's own instructions in the list's keyset order (newest first).
        Index("ix_instructions_author_id_created_at_id", "author_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    subject_ref: Mapped[str | None] = mapped_column(String(200), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class InstructionTask(Base):
    """What one unit must do about an instruction, by a deadline; its clock has subject "task"."""

    __tablename__ = "instruction_tasks"
    __table_args__ = (
        UniqueConstraint("instruction_id", "unit_id"),
        Index("ix_instruction_tasks_unit_status", "unit_id", "status"),
        # A unit's tasks in the list's keyset order (soonest deadline first).
        Index("ix_instruction_tasks_unit_id_deadline_id", "unit_id", "deadline", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    deadline: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Set once, when the task's clock breaches (the worker fires it); kept after completion.
    is_overdue: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    result: Mapped[str | None] = mapped_column(Text)


class SupervisionOrder(Base):
    """督办: a supervisor chases a unit, about one case or about its work at large."""

    __tablename__ = "supervision_orders"
    __table_args__ = (
        Index("ix_supervision_orders_unit_status", "unit_id", "status"),
        # A unit's orders in the list's keyset order (newest first).
        Index("ix_supervision_orders_unit_id_issued_at_id", "unit_id", "issued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    reason: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    is_overdue: Mapped[bool] = mapped_column(default=False)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[datetime]
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    close_note: Mapped[str | None] = mapped_column(Text)


class Letter(Base):
    """A numbered document a supervisor issues: 提醒函, 建议函 or 通报. Immutable once issued;
    `seq` runs per kind and per year from 1 without gaps (a `counters` row taken in the issuing
    transaction), and the unique constraints are the safety net."""

    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("kind", "year", "seq"),
        Index("ix_letters_issued_at", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(60), unique=True)
    suggestion_right: Mapped[str | None] = mapped_column(String(20))
    addressee_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    addressee: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_orders.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Template fields beyond the body, e.g. {"reply_by": "2026-11-27"}.
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    issuer: Mapped[str] = mapped_column(String(100))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[datetime]
    # Deferred: lists never load the document; a download asks for it (undefer).
    document: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    document_sha256: Mapped[str] = mapped_column(String(64))


class LetterReply(Base):
    """The addressed unit's answer to a letter (提醒函/建议函/通报): one per unit and letter. The
    letter itself stays as issued; the answer sits beside it."""

    __tablename__ = "letter_replies"
    __table_args__ = (UniqueConstraint("letter_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    text: Mapped[str] = mapped_column(Text)
    replied_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    replied_at: Mapped[datetime]
