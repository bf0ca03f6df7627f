"""Read side: issues (without their HTML and PDF unless asked), subscribers, instructions on an
issue's items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from minyi.core.errors import NotFound
from minyi.core.listing import Listing, list_page
from minyi.core.paging import desc
from minyi.reports.models import ReportIssue, ReportSubscriber
from minyi.reports.rules import REF_PREFIX, parse_item_ref
from minyi.supervision.models import Instruction


def list_issues(
    session: Session,
    *,
    kind: str | None = None,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
) -> Listing[ReportIssue]:
    stmt = select(ReportIssue)
    if kind:
        stmt = stmt.where(ReportIssue.kind == kind)
    order = [desc(ReportIssue.number), desc(ReportIssue.id)]
    return list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)


def get_issue(
    session: Session, issue_id: int, *, with_html: bool = False, with_pdf: bool = False
) -> ReportIssue:
    options = []
    if with_html:
        options.append(undefer(ReportIssue.html))
    if with_pdf:
        options.append(undefer(ReportIssue.pdf))
    issue = session.get(ReportIssue, issue_id, options=options)
    if issue is None:
        raise NotFound("report_not_found", f"no report issue {issue_id}")
    return issue


def corrections_of(session: Session, issue_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    if issue_ids:
        rows = session.execute(
            select(ReportIssue.corrects_id, ReportIssue.id)
            .where(ReportIssue.corrects_id.in_(issue_ids))
            .order_by(ReportIssue.id)
        )
        for old, new in rows:
            if old is not None:
                out.setdefault(old, []).append(new)
    return out


def instructions_on_issue(session: Session, issue_id: int) -> list[Instruction]:
    prefix = f"{REF_PREFIX}{issue_id}#"
    return list(
        session.scalars(
            select(Instruction)
            .where(Instruction.subject_ref.like(f"{prefix}%"))
            .order_by(Instruction.id)
        )
    )


def issue_view(issue: ReportIssue, corrected_by: list[int] | None = None) -> dict[str, Any]:
    return {
        "id": issue.id,
        "kind": issue.kind,
        "number": issue.number,
        "title": issue.title,
        "period_start": issue.period_start.isoformat(),
        "period_end": issue.period_end.isoformat(),
        "issued_at": issue.issued_at,
        "issued_by": issue.issued_by,
        "corrects_id": issue.corrects_id,
        "correction_note": issue.correction_note,
        "corrected_by": corrected_by or [],
        "pdf_sha256": issue.pdf_sha256,
        "items": len(issue.snapshot.get("items", {})),
    }


def item_of(ref: str | None) -> dict[str, Any] | None:
    parsed = parse_item_ref(ref)
    return {"issue_id": parsed[0], "item": parsed[1]} if parsed else None


def subscribers(session: Session, *, active_only: bool = True) -> list[ReportSubscriber]:
    stmt = select(ReportSubscriber).order_by(ReportSubscriber.id)
    if active_only:
        stmt = stmt.where(ReportSubscriber.is_active.is_(True))
    return list(session.scalars(stmt))
