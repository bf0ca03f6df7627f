"""Triage listens to intake and to dispatches: every registered case enters the worker's queue
in intake's own transaction (one bulk statement per group commit), and a dispatcher who
dispatches a case the ordinary way settles its awaiting suggestion (confirmed, or corrected with
a training row)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minyi.cases.hooks import ActionDone, RegisteredCase, on_case_action, on_cases_registered
from minyi.core.bulk import insert_rows
from minyi.triage.review import settle_by_dispatch
from minyi.triage.suggestion_models import TriageQueueEntry


def _enqueue(session: Session, cases: list[RegisteredCase]) -> None:
    insert_rows(session, TriageQueueEntry, [{"appeal_id": c.case_id} for c in cases])


def _on_action(session: Session, done: ActionDone) -> None:
    if done.action == "dispatch":
        settle_by_dispatch(session, done.case_id, done.payload, done.actor, done.at)


def register() -> None:
    on_case_action("triage_settle", _on_action)
    on_cases_registered("triage_queue", _enqueue)
