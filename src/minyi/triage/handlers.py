"""Triage listens to intake and to dispatches: every registered case has its complaint targets
decided (screening.py) and enters the worker's queue in intake's own transaction (bulk
statements per group commit); a dispatch first checks a case nobody checked yet; and a
dispatcher who dispatches a case the ordinary way settles its awaiting suggestion (confirmed,
or corrected with a training row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minyi.cases.hooks import (
    BEFORE_ACTION,
    CASE_ACTION,
    CASES_PLANNED,
    CASES_REGISTERED,
    ActionDone,
    CasePlan,
    RegisteredCase,
)
from minyi.cases.models import Case
from minyi.core.bulk import insert_rows
from minyi.core.registry import Registry
from minyi.triage.jobs import check_accused_job, triage_queue_job
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


def _plan(session: Session, cases: list[RegisteredCase]) -> CasePlan:
    return CasePlan(columns=plan_accused(session, cases))


def install(registry: Registry) -> None:
    registry.add(CASES_PLANNED, "triage.accused", _plan)
    registry.add(CASES_REGISTERED, "triage.queue", _enqueue)
    registry.add(CASES_REGISTERED, "triage.accused", record_planned)
    registry.add(BEFORE_ACTION, "triage.accused", _before)
    registry.add(CASE_ACTION, "triage.settle", _on_action)
    registry.job(
        "triage_appeals",
        lambda ctx: triage_queue_job(
            ctx.session,
            now=ctx.now,
            options=ctx.settings.triage,
            data_dir=ctx.settings.data_dir,
        ),
    )
    registry.job("check_accused", lambda ctx: check_accused_job(ctx.session, now=ctx.now))
