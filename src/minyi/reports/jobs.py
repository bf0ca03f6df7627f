"""The worker's job: issue yesterday's daily report once the local time reaches the configured
hour (MINYI_REPORT_DAILY_AT, default 08:00, in MINYI_TIMEZONE). Several workers may run it at
once: the day's `report_runs` row (locked) and the issue's unique `edition_key` let exactly one
of them issue, the others do nothing.

Heavy work first: what is due, the snapshot and the HTML and PDF are made in a reading
transaction beside the job's session, before the job writes anything, so on SQLite intake never
waits for a PDF to render; then a short write stores the issue. A report that fails (to build or
to store) is recorded on its run row with the worker's shared retry mechanism (core/retries.py):
attempts, last error, back-off, parked after RETRY.max_attempts; the worker's other jobs go on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from minyi.core.bulk import insert_rows
from minyi.core.db import reading_beside
from minyi.core.errors import Conflict
from minyi.core.retries import RetryPolicy, handle_each
from minyi.core.settings import Settings, defaults
from minyi.reports.models import ReportIssue, ReportRun
from minyi.reports.rules import ReportKind, day_due, parse_daily_at
from minyi.reports.service import (
    PreparedIssue,
    number_taken,
    original_of_day,
    prepare_daily_report,
    store_daily_report,
)

log = logging.getLogger(__name__)
WORKER = "worker"
# 5, 10, 20, 40 minutes, then parked: a report that keeps failing needs a person well before
# the leaders' morning is over.
RETRY = RetryPolicy(
    kind="report", max_attempts=5, first_delay=timedelta(minutes=5), max_delay=timedelta(hours=1)
)


@dataclass(frozen=True)
class Schedule:
    daily_at: time
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> Schedule:
        return cls(parse_daily_at(settings.report.daily_at), ZoneInfo(settings.timezone))


def issue_due_daily_report(
    session: Session, *, now: datetime, schedule: Schedule | None = None
) -> int:
    # The worker passes its settings' schedule; a direct call (a test, a tool) the defaults'.
    schedule = schedule or Schedule.from_settings(defaults())
    day = day_due(now, schedule.tz, schedule.daily_at)
    error: Exception | None = None
    prepared: PreparedIssue | None = None
    # No write before this block ends: on SQLite the job's session takes the write lock with
    # its first statement.
    with reading_beside(session) as reader:
        target = _due_day(reader, day, now)
        if target is None:
            return 0
        try:
            prepared = prepare_daily_report(reader, day=target, now=now, tz=schedule.tz)
        except Conflict:
            log.info("the daily report of %s was issued by another worker", target)
            return 0
        except Exception as failure:  # noqa: BLE001 - recorded on the run row below
            error = failure
    run = _claim_run(session, target, now)
    if run.issue_id is not None or run.parked_at is not None or (run.next_attempt_at or now) > now:
        return 0  # another worker finished it, gave up on it or failed it while this one rendered
    existing = original_of_day(session, ReportKind.DAILY, target)
    if existing is not None:
        log.info("the daily report of %s was issued by another worker", target)
        run.issue_id = existing.id
        return 0
    if prepared is not None and number_taken(session, prepared):
        return 1  # another issue took the number printed on it: render again at once

    def store(_runs: list[ReportRun]) -> int:
        if error is not None:
            raise error
        assert prepared is not None
        issue = store_daily_report(session, prepared, now=now, issued_by=WORKER)
        if issue is None:  # cannot happen: the counter row is locked since number_taken
            raise RuntimeError("the report's number moved under its lock")
        run.issue_id, run.next_attempt_at = issue.id, None
        log.info("issued %s", issue.title)
        return 1

    handle_each(
        session,
        [run],
        store,
        policy=RETRY,
        now=now,
        state_of=lambda r: session.get(ReportRun, r.id),
        id_of=lambda r: f"{r.kind}:{r.period_start}",
    )
    return 1


def _due_day(reader: Session, day: date | None, now: datetime) -> date | None:
    """The day whose report to make now: a run due for its retry (oldest first), else `day`
    (the schedule's) when it has neither an issue nor a run waiting for its back-off."""
    issued = exists().where(
        ReportIssue.kind == ReportRun.kind,
        ReportIssue.period_start == ReportRun.period_start,
        ReportIssue.edition_key.is_not(None),
    )
    retry = reader.scalar(
        select(ReportRun.period_start)
        .where(
            ReportRun.kind == ReportKind.DAILY.value,
            ReportRun.issue_id.is_(None),
            ReportRun.parked_at.is_(None),
            or_(ReportRun.next_attempt_at.is_(None), ReportRun.next_attempt_at <= now),
            ~issued,
        )
        .order_by(ReportRun.period_start)
        .limit(1)
    )
    if retry is not None:
        return retry
    if day is None or original_of_day(reader, ReportKind.DAILY, day) is not None:
        return None
    waiting = reader.scalar(
        select(ReportRun.id).where(
            ReportRun.kind == ReportKind.DAILY.value, ReportRun.period_start == day
        )
    )
    return None if waiting is not None else day


def _claim_run(session: Session, day: date, now: datetime) -> ReportRun:
    """The day's run row, made if new, locked (PostgreSQL) so racing workers take turns."""
    insert_rows(
        session,
        ReportRun,
        [
            {
                "kind": ReportKind.DAILY.value,
                "period_start": day,
                "created_at": now,
                "next_attempt_at": now,
            }
        ],
        skip_conflicts_on=("kind", "period_start"),
    )
    return session.scalars(
        select(ReportRun)
        .where(ReportRun.kind == ReportKind.DAILY.value, ReportRun.period_start == day)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
