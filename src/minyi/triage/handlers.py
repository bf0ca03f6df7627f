"""Triage listens to intake and to dispatches: every registered case has its complaint targets
decided (screening.py) and enters the worker's queue in intake's own transaction (bulk
statements per group commit); a dispatch first checks a case nobody checked yet; and a
dispatcher who dispatches a case the ordinary way settles its awaiting suggestion (confirmed,
or corrected with a training row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minyi.cases.hooks import (
    ActionDone,
    RegisteredCase,
    before_case_action,
    on_case_action,
    on_cases_planned,
    on_cases_registered,
)
from minyi.cases.models import Case
from minyi.core.bulk import insert_rows
from minyi.triage.models import TriageQueueEntry
from minyi.triage.screening import check_case, plan_accused, record_planned
from minyi.triage.service import settle_by_dispatch


def _enqueue(session: Session, cases: list[RegisteredCase]) -> None:
    insert_rows(session, TriageQueueEntry, [{"appeal_id": c.case_id} for c in cases])


def _on_action(session: Session, done: ActionDone) -> None:
    if done.action == "dispatch":
        settle_by_dispatch(session, done.case_id, done.payload, done.actor, done.at)


def _before(session: Session, case: Case, action: str, now: datetime) -> None:
    if action == "dispatch":
        check_case(session, case, now=now)


def register() -> None:
    on_case_action("triage_settle", _on_action)
    before_case_action("triage_accused", _before)
    on_cases_planned("triage_accused", plan_accused)
    on_cases_registered("triage_queue", _enqueue)
    on_cases_registered("triage_accused", record_planned)
