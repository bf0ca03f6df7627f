"""Report tables: issued reports (immutable: the database refuses UPDATE and DELETE) and the
people who receive them by email. Also the indexes the report's period queries need on other
packages' tables, declared here beside the queries that use them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.cases.models import Case
from minyi.core.db import Base
from minyi.core.retries import Retried
from minyi.escalation.models import CaseEscalation
from minyi.sla.models import Clock


class ReportIssue(Base):
    """One issue (第N期) of a report. `number` runs per kind over the original issues from 1
    without gaps (a `counters` row taken in the issuing transaction; the partial unique index is
    the safety net). An original issue has `edition_key` "<kind>:<period start>", unique, so a
    period is issued once however many workers race; a correction has none, points at the issue
    it corrects and keeps its number (第12期（更正）): the day keeps its place in the series."""

    __tablename__ = "report_issues"
    __table_args__ = (
        Index(
            "uq_report_issues_kind_number_original",
            "kind",
            "number",
            unique=True,
            sqlite_where=text("corrects_id IS NULL"),
            postgresql_where=text("corrects_id IS NULL"),
        ),
        Index("ix_report_issues_kind_period_start", "kind", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[int]
    edition_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The local (Asia/Shanghai) dates covered, both inclusive: one day for a daily report.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(60))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("report_issues.id"), index=True)
    correction_note: Mapped[str | None] = mapped_column(Text)
    # Every figure and item the page shows, as issued: the page and the PDF are made from it.
    snapshot: Mapped[dict[str, Any]]
    html: Mapped[str] = mapped_column(Text, deferred=True)
    # The PDF exactly as mailed to subscribers; lists never load it.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))


class ReportSubscriber(Base):
    """Someone who receives every issued report by email."""

    __tablename__ = "report_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str | None] = mapped_column(String(60))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class ReportRun(Retried, Base):
    """A scheduled report the worker owes (the daily report of `period_start`), written when
    it first tries: an attempt that raised (a section's query, the PDF renderer) leaves its
    count, last error and next attempt here, and the worker goes on with its other jobs; after
    the last attempt it is parked (`minyi parked list`, `minyi parked retry report ID`).
    `issue_id` is set once issued."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("kind", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("report_issues.id"))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    parked_at: Mapped[datetime | None]


# The report reads one local day (and the weeks around it) of a table of millions of rows: these
# range indexes turn each of its period queries into an index range scan.
Index("ix_cases_registered_at", Case.registered_at)
Index("ix_cases_closed_at", Case.closed_at)
Index("ix_clocks_breached_at", Clock.breached_at)
Index("ix_clocks_state_warn_at", Clock.state, Clock.warn_at)
Index("ix_case_escalations_lifted_at", CaseEscalation.lifted_at)
