"""Triage's tables: trained classifier versions, the gazetteer an administrator adds to, the
links between appeals (repeats, near-duplicates, crowds), risk lexicon versions, one suggestion
per appeal with the dispatchers' corrections, and the worker's queue. `minyi.models` imports this
one module, so Alembic and the migration test see every triage table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.db import Base
from minyi.core.retries import Retried

_ID = BigInteger().with_variant(Integer, "sqlite")


class TriageModel(Base):
    """One trained classifier. The artifact lives on disk under the data directory (`path` is
    relative to it); `sha256` must match before it is loaded. One row at a time is current."""

    __tablename__ = "triage_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime]
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    labels: Mapped[list[Any]]
    metrics: Mapped[dict[str, Any]]
    threshold: Mapped[float]
    is_current: Mapped[bool] = mapped_column(default=False, index=True)


class GazetteerEntry(Base):
    """A road, estate, landmark or alias and the unit it lies in (or, for an alias, names).

    Roads cross several communities: the same name may be added once per unit it touches, and
    place finding then offers each of them as a candidate. An alias may also name a department
    ("城管" for the city-management bureau), which complaint-target detection reads.
    """

    __tablename__ = "gazetteer_entries"
    # No rowid reuse on SQLite: the gazetteer cache keys on (max id, count) to see changes.
    __table_args__ = (UniqueConstraint("name", "unit_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # road | estate | landmark | alias
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class AppealLink(Base):
    """An appeal pointing at an earlier one it repeats, nearly duplicates, or shares a crowd with.

    kind: `repeat` (the same citizen on the same matter, 重复信访), `duplicate` (near-identical
    text, usually the same appeal through another channel), `crowd` (涉众: another citizen on the
    same matter and place within the crowd window; `cluster_id` names the cluster's first appeal).
    """

    __tablename__ = "appeal_links"
    __table_args__ = (
        UniqueConstraint("appeal_id", "other_id", "kind"),
        Index("ix_appeal_links_other_id", "other_id"),
        Index("ix_appeal_links_cluster_id", "cluster_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    appeal_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("appeals.id"))
    other_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("appeals.id"))
    kind: Mapped[str] = mapped_column(String(10))
    similarity: Mapped[float | None] = mapped_column(Float)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class RiskLexicon(Base):
    """One version of the risk lexicon (YAML); the newest is current. Version 0, the file shipped
    in the package, is used until an administrator saves one."""

    __tablename__ = "risk_lexicons"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(60))


class TriageSuggestion(Base):
    """What triage suggested for one appeal, and what became of it.

    status: `awaiting` (a person decides: the dispatcher's low-confidence queue), `auto_dispatched`
    (dispatched by the worker as the `triage` actor), `confirmed` / `corrected` (a dispatcher
    took it or changed it), `handled` (the case moved on without triage: dispatched or declined
    by hand before the worker got to it). `hold_reason` says why a confident one still waits.
    """

    __tablename__ = "triage_suggestions"
    __table_args__ = (Index("ix_triage_suggestions_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    # Unique: the worker's anti-join probes it, and a second worker's insert fails instead of
    # suggesting twice.
    appeal_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("appeals.id"), unique=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime]
    model_version: Mapped[int | None]
    label: Mapped[str | None] = mapped_column(String(60))  # the model's label
    leaf_code: Mapped[str | None] = mapped_column(String(40))
    class_name: Mapped[str | None] = mapped_column(String(20))
    confidence: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    top_k: Mapped[list[Any]]
    place: Mapped[dict[str, Any]]
    place_candidates: Mapped[list[Any]]
    lead_unit: Mapped[str | None] = mapped_column(String(40))
    co_units: Mapped[list[Any]]
    excluded: Mapped[list[Any]]
    risk_flags: Mapped[list[Any]]
    signals: Mapped[dict[str, Any]]
    qualifies_for_auto: Mapped[bool]
    status: Mapped[str] = mapped_column(String(20))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(60))
    decided_at: Mapped[datetime | None]


class TriageCorrection(Base):
    """A dispatcher's correction of a suggestion: a training row (text, label) with who and when,
    which `minyi triage train` adds to the history it learns from."""

    __tablename__ = "triage_corrections"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(_ID, ForeignKey("triage_suggestions.id"), index=True)
    appeal_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("appeals.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(60))
    leaf_code: Mapped[str | None] = mapped_column(String(40))
    predicted_label: Mapped[str | None] = mapped_column(String(60))
    model_version: Mapped[int | None]
    place: Mapped[dict[str, Any]]
    lead_unit: Mapped[str | None] = mapped_column(String(40))
    co_units: Mapped[list[Any]]
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    corrected_by: Mapped[str] = mapped_column(String(60))
    corrected_at: Mapped[datetime]


class TriageQueueEntry(Retried, Base):
    """An appeal registered and not yet triaged: the worker's queue.

    Why a table and not "pending cases without a suggestion": cases a dispatcher has not decided
    yet stay pending with their suggestion, so that anti-join scanned every one of them for
    every batch (20,000 undecided cases made a batch take 0.7 s, and the backlog drained at 50
    appeals/s). A row is written with the case, in intake's group commit, and deleted in the
    transaction that writes the suggestion; the job reads the oldest rows by primary key."""

    __tablename__ = "triage_queue"

    appeal_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("appeals.id"), primary_key=True, autoincrement=False
    )
    # An appeal whose triage raised (core/retries.py): it waits for `next_attempt_at` while the
    # rest of the queue goes on, and is parked after MAX_ATTEMPTS (`minyi parked list`).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    parked_at: Mapped[datetime | None]
