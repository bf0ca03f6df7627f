"""Use cases: issue a daily report (or a correction of one), mail it to subscribers, manage the
subscribers, and let a leader instruct on an item of an issue. Flush, never commit."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from minyi.core.db import reading_beside
from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.core.ids import Counter, reserve_block
from minyi.notify.service import enqueue
from minyi.org.rules import Actor
from minyi.reports.models import ReportIssue, ReportSubscriber
from minyi.reports.render import render_html, render_pdf
from minyi.reports.rules import (
    ReportKind,
    check_item_key,
    edition_key,
    item_ref,
    report_title,
)
from minyi.reports.snapshot import build_snapshot
from minyi.supervision.models import Instruction
from minyi.supervision.service import write_instruction

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def counter_name(kind: ReportKind) -> str:
    return f"report:{kind.value}"


def issue_for(session: Session, kind: ReportKind, number: int) -> ReportIssue:
    """The original issue 第`number`期 (its corrections share the number)."""
    issue = session.scalar(
        select(ReportIssue).where(
            ReportIssue.kind == kind.value,
            ReportIssue.number == number,
            ReportIssue.corrects_id.is_(None),
        )
    )
    if issue is None:
        raise NotFound("report_not_found", f"no {kind.value} report number {number}")
    return issue


def original_of_day(session: Session, kind: ReportKind, day: date) -> ReportIssue | None:
    return session.scalar(
        select(ReportIssue).where(ReportIssue.edition_key == edition_key(kind, day))
    )


@dataclass(frozen=True)
class PreparedIssue:
    """An issue rendered and not yet stored: made in a reading transaction, before any write."""

    day: date
    number: int
    snapshot: dict[str, Any]
    html: str
    pdf: bytes
    corrects: ReportIssue | None
    correction: dict[str, Any] | None


def correction_ordinal(session: Session, target: ReportIssue) -> int:
    """1 for the first correction of `target`, 2 for the second, ..."""
    done = session.scalar(
        select(func.count()).select_from(ReportIssue).where(ReportIssue.corrects_id == target.id)
    )
    return int(done or 0) + 1


def _next_number(session: Session, kind: ReportKind, *, lock: bool) -> int:
    stmt = select(Counter.value).where(Counter.name == counter_name(kind))
    value = session.scalar(stmt.with_for_update() if lock else stmt)
    return int(value or 0) + 1


def prepare_daily_report(
    reader: Session,
    *,
    day: date,
    now: datetime,
    tz: ZoneInfo,
    corrects: int | None = None,
    note: str | None = None,
) -> PreparedIssue:
    """Check the request, build the snapshot and render the page and the PDF, all in `reader`
    (a reading transaction): rendering takes seconds and must not hold the write lock that
    intake waits for on SQLite. The number printed on it is the next one as read here;
    `store_daily_report` refuses the render if another issue took that number meanwhile."""
    kind = ReportKind.DAILY
    if day >= now.astimezone(tz).date():
        raise Invalid(
            "day_not_over", f"{day} is not over yet; a report covers a past day", field="date"
        )
    target = None
    if corrects is not None:
        target = issue_for(reader, kind, corrects)
        if target.period_start != day:
            raise Invalid(
                "wrong_day",
                f"issue {corrects} reports {target.period_start}, not {day}",
                field="date",
            )
        text = (note or "").strip()
        if not text:
            raise Invalid("note_required", "say what the correction corrects", field="note")
        if len(text) > 500:
            raise Invalid(
                "too_long", "the correction note is longer than 500 characters", field="note"
            )
    else:
        _refuse_second_original(reader, kind, day)
    snapshot = build_snapshot(reader, kind=kind, day=day, tz=tz, now=now)
    # A correction keeps the corrected issue's number; only an original takes the next one.
    number = target.number if target else _next_number(reader, kind, lock=False)
    correction = (
        {
            "number": target.number,
            "id": target.id,
            "note": note.strip() if note else None,
            "ordinal": correction_ordinal(reader, target),
        }
        if target
        else None
    )
    snapshot["number"] = number
    snapshot["corrects"] = correction
    # The page leaders read: no item keys in it (the API's snapshot carries them for 批示).
    html = render_html(
        snapshot, number=number, issued_at=now, tz=tz, correction=correction, show_keys=False
    )
    pdf = render_pdf(html)
    return PreparedIssue(day, number, snapshot, html, pdf, target, correction)


def _refuse_second_original(session: Session, kind: ReportKind, day: date) -> None:
    existing = original_of_day(session, kind, day)
    if existing is not None:
        raise Conflict(
            "already_issued",
            f"the report of {day} is issue {existing.number}; correct it with --correct {existing.number}",
        )


def number_taken(session: Session, prepared: PreparedIssue) -> bool:
    """True if the number printed on the render is no longer the next one. The counter row stays
    locked (PostgreSQL; SQLite's write lock does the same) until the transaction ends. A
    correction takes no number (it keeps its original's) but its ordinal must still be free."""
    if prepared.corrects is not None:
        assert prepared.correction is not None
        return correction_ordinal(session, prepared.corrects) != prepared.correction["ordinal"]
    session.execute(
        text("INSERT INTO counters (name, value) VALUES (:n, 0) ON CONFLICT (name) DO NOTHING"),
        {"n": counter_name(ReportKind.DAILY)},
    )
    return _next_number(session, ReportKind.DAILY, lock=True) != prepared.number


def store_daily_report(
    session: Session, prepared: PreparedIssue, *, now: datetime, issued_by: str
) -> ReportIssue | None:
    """Store a prepared issue in the caller's (write) transaction and mail it; None when its
    number was taken since it was rendered (prepare it again: the lock taken here on the counter
    keeps the number until this transaction ends, so the second render fits).

    The number comes from a `counters` row updated in this transaction: concurrent issuers
    queue on it (PostgreSQL row lock, SQLite write lock) and a rolled-back issue gives its number
    back, so numbers have no gaps. Two issuers of the same day's original collide on the unique
    `edition_key` (or find it here); the loser's transaction fails and takes no number."""
    kind = ReportKind.DAILY
    if number_taken(session, prepared):
        return None
    target = prepared.corrects
    if target is None:
        _refuse_second_original(session, kind, prepared.day)
    number = target.number if target else reserve_block(session, counter_name(kind), 1)
    ordinal = prepared.correction["ordinal"] if prepared.correction else 0
    issue = ReportIssue(
        kind=kind.value,
        number=number,
        edition_key=None if target else edition_key(kind, prepared.day),
        period_start=prepared.day,
        period_end=prepared.day,
        title=report_title(kind, number, prepared.day, ordinal),
        issued_at=now,
        issued_by=issued_by,
        corrects_id=target.id if target else None,
        correction_note=prepared.correction["note"] if prepared.correction else None,
        snapshot=prepared.snapshot,
        html=prepared.html,
        pdf=prepared.pdf,
        pdf_sha256=hashlib.sha256(prepared.pdf).hexdigest(),
    )
    session.add(issue)
    session.flush()
    mail_issue(session, issue, now=now)
    return issue


def issue_daily_report(
    session: Session,
    *,
    day: date,
    now: datetime,
    tz: ZoneInfo,
    issued_by: str,
    corrects: int | None = None,
    note: str | None = None,
) -> ReportIssue:
    """Issue the report of `day` (a local date before today). With `corrects`, a new issue that
    corrects issue number `corrects` (of the same day); the old issue stays as it was.

    Rendered first, in a reading transaction beside `session` (`prepare_daily_report`), then
    stored in `session`'s transaction (`store_daily_report`): give it a session that has not
    written yet, and the write lock is held only for the short store."""
    for _ in range(3):
        with reading_beside(session) as reader:
            prepared = prepare_daily_report(
                reader, day=day, now=now, tz=tz, corrects=corrects, note=note
            )
        issue = store_daily_report(session, prepared, now=now, issued_by=issued_by)
        if issue is not None:
            return issue
    raise Conflict("report_busy", "other reports were issued at the same moment; try again")


def pdf_filename(issue: ReportIssue) -> str:
    fixed = "-更正" if issue.corrects_id else ""
    return f"民情日报-第{issue.number}期{fixed}-{issue.period_start.isoformat()}.pdf"


def mail_issue(session: Session, issue: ReportIssue, *, now: datetime) -> int:
    """One outbox email per active subscriber: the page as the HTML body, a plain-text lead for
    mail readers without HTML, and the PDF attached (notify's SMTP sender reads `payload`)."""
    subscribers = list(
        session.scalars(
            select(ReportSubscriber)
            .where(ReportSubscriber.is_active.is_(True))
            .order_by(ReportSubscriber.id)
        )
    )
    if not subscribers:
        return 0
    lead = "\n".join(f"{n}. {line}" for n, line in enumerate(issue.snapshot.get("lead", []), 1))
    body = f"{issue.title}\n\n导读\n{lead}\n\n全文见附件 PDF。"
    payload = {
        "html": issue.html,
        "attachments": [
            {
                "filename": pdf_filename(issue),
                "content_type": "application/pdf",
                "base64": base64.b64encode(issue.pdf).decode("ascii"),
            }
        ],
        "report_issue_id": issue.id,
    }
    for subscriber in subscribers:
        enqueue(
            session,
            channel="email",
            recipient=subscriber.email,
            subject=issue.title,
            body=body,
            payload=payload,
            now=now,
            dedupe_key=f"report:{issue.id}:{subscriber.id}",
        )
    return len(subscribers)


# ---- subscribers ---------------------------------------------------------------------------


def add_subscriber(
    session: Session, *, email: str, name: str | None = None, now: datetime
) -> ReportSubscriber:
    address = (email or "").strip().lower()
    if not _EMAIL.match(address) or len(address) > 200:
        raise Invalid("bad_email", f"'{email}' is not an email address", field="email")
    existing = session.scalar(select(ReportSubscriber).where(ReportSubscriber.email == address))
    if existing is not None:
        if existing.is_active:
            raise Conflict("already_subscribed", f"{address} already receives the report")
        existing.is_active = True
        session.flush()
        return existing
    subscriber = ReportSubscriber(
        email=address, name=(name or "").strip()[:60] or None, is_active=True, created_at=now
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def remove_subscriber(session: Session, *, email: str) -> ReportSubscriber:
    address = (email or "").strip().lower()
    subscriber = session.scalar(select(ReportSubscriber).where(ReportSubscriber.email == address))
    if subscriber is None or not subscriber.is_active:
        raise NotFound("not_subscribed", f"{address} is not a subscriber")
    subscriber.is_active = False
    session.flush()
    return subscriber


# ---- instructions on items -----------------------------------------------------------------


def instruct_on_item(
    session: Session,
    *,
    actor: Actor,
    issue_id: int,
    item_key: str,
    text: str,
    units: Sequence[str],
    within_days: int | None = None,
    deadline: datetime | None = None,
    now: datetime,
) -> Instruction:
    """批示 on one item of an issue: a tracked task per unit (supervision's instruction
    mechanism), linked back by `subject_ref` so later reports show how it goes."""
    issue = session.get(ReportIssue, issue_id)
    if issue is None:
        raise NotFound("report_not_found", f"no report issue {issue_id}")
    key = check_item_key(item_key, issue.snapshot.get("items", {}))
    return write_instruction(
        session,
        actor=actor,
        text=text,
        units=units,
        deadline=deadline,
        within_days=within_days,
        subject_ref=item_ref(issue.id, key),
        now=now,
    )
