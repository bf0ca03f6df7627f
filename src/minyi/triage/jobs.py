"""The worker's triage job: every appeal awaiting dispatch gets one suggestion, and a confident
one goes out at once.

Why the worker and not the intake request: intake answers 201 after the group commit and must
stay as fast as the database allows; a model, a gazetteer and a million-appeal index have no
business on that path, and a slow or missing model must never delay or fail an intake. The
worker picks appeals up within one tick (MINYI_WORKER_INTERVAL_SECONDS, 5 s by default), except
while intake is in a burst (burst.py: at most a minute).

Claiming: the oldest entries of `triage_queue` (written in intake's group commit) whose cases are
still `registered` or `accepted` without a suggestion, a batch at a time, triaged in a reading
transaction, then locked with FOR UPDATE SKIP LOCKED on PostgreSQL so several workers share the
queue (SQLite's single writer serialises them) and written in a short one. An appeal whose
triage or writes raise never holds back the others (core/retries.py): its queue entry keeps the
attempt count, last error and a back-off, and is parked after RETRY.max_attempts. The unique
suggestion per appeal makes the job idempotent: an appeal is suggested once, a second insert
fails inside its savepoint and is skipped.

What happens next: when the suggestion qualifies (confidence at or above the model's threshold
for 98 % precision, a lead unit found, no high-severity risk flag, no crowd) and auto-dispatch
is on (MINYI_TRIAGE_AUTO_DISPATCH, on by default), the worker accepts and dispatches the case
through `act_on_case` as the system actor `triage`, so the event log shows who did it; any
refusal (an accused unit, a unit gone) leaves it to a person. Otherwise the suggestion waits on
the dispatcher's board (`awaiting`). Units the appeal complains about are excluded from
handling and the complainant is masked for them (`hide_identity`), whatever the confidence.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.rules import Action, CaseStatus
from minyi.cases.service import act_on_case, hide_identity
from minyi.core.bulk import insert_rows
from minyi.core.caches import Memo, Slot
from minyi.core.db import reading_beside
from minyi.core.errors import MinyiError
from minyi.core.retries import RetryPolicy, handle_each, note_failure
from minyi.core.settings import TriageSettings, defaults
from minyi.org.rules import Actor, Role
from minyi.triage.burst import BurstGate
from minyi.triage.models import AppealLink, TriageQueueEntry, TriageSuggestion
from minyi.triage.pipeline import (
    AppealFacts,
    TriageContext,
    TriageResult,
    context_for,
    triage_appeal,
)
from minyi.triage.repeats.signals import LinkKind
from minyi.triage.repeats.store import link_rows
from minyi.triage.rules import AUTO_DISPATCHED, AWAITING, PENDING
from minyi.triage.schemas import CoUnitBlob, PlaceBlob, SuggestionBlobs
from minyi.triage.screening import HIDE_REASON, check_unchecked

log = logging.getLogger(__name__)

# An appeal whose triage raises is retried after 1, 2, 4, 8 minutes, then parked: it then waits
# for a person on the dispatch board like any unsuggested appeal, and in `minyi parked list`.
RETRY = RetryPolicy(
    kind="triage", max_attempts=5, first_delay=timedelta(minutes=1), max_delay=timedelta(hours=1)
)

SYSTEM_ACTOR = Actor(
    staff_id=None,
    username="triage",
    name="智能分拨",
    role=Role.DISPATCHER,
    unit_id=None,
    unit_code=None,
    unit_kind=None,
    unit_path=None,
    automated=True,
)


def triage_pending(
    session: Session,
    *,
    now: datetime,
    limit: int | None = None,
    data_dir: Path | None = None,
    auto_dispatch: bool | None = None,
    options: TriageSettings | None = None,
) -> int:
    """Triage a batch of the queue (`triage_queue`, oldest appeal first); returns how many queue
    entries were taken, stale ones included (a case dispatched by hand before its turn).

    Two phases, so the write transaction stays short: the context and every appeal's triage are
    computed in a reading transaction of their own (on SQLite a writer holds the database lock
    from its first statement, and intake's group commit must not wait for a model or for the
    first build of the repeat index); then the queue entries are claimed (SKIP LOCKED, so
    several workers share the queue), the cases still pending and unsuggested are locked, and
    the suggestions, identity hiding and dispatches written, the entries deleted."""
    options = options or defaults().triage
    limit = limit or options.batch
    auto = options.auto_dispatch if auto_dispatch is None else auto_dispatch
    unsuggested = ~exists().where(TriageSuggestion.appeal_id == Case.appeal_id)
    due = TriageQueueEntry.parked_at.is_(None) & or_(
        TriageQueueEntry.next_attempt_at.is_(None), TriageQueueEntry.next_attempt_at <= now
    )
    failed: dict[int, Exception] = {}  # appeal id -> what its triage raised
    with reading_beside(session) as reader:
        queued = list(
            reader.scalars(
                select(TriageQueueEntry.appeal_id)
                .where(due)
                .order_by(TriageQueueEntry.appeal_id)
                .limit(limit)
            )
        )
        if not queued:
            return 0
        rows = reader.execute(
            select(Case, Appeal)
            .join(Appeal, Appeal.id == Case.appeal_id)
            .where(Case.appeal_id.in_(queued), Case.status.in_(PENDING), unsuggested)
        ).all()
        results: dict[int, TriageResult] = {}
        if rows:  # the batch may hold only stale entries: no model or index to load for them
            ctx = context_for(reader, data_dir or defaults().data_dir)
            for case, appeal in rows:
                try:
                    results[case.id] = triage_appeal(ctx, facts_of(ctx, case, appeal))
                except Exception as error:  # noqa: BLE001 - recorded on its queue entry below
                    failed[case.appeal_id] = error
    claimed = list(
        session.scalars(
            select(TriageQueueEntry.appeal_id)
            .where(TriageQueueEntry.appeal_id.in_(queued), due)
            .with_for_update(skip_locked=True)
        )
    )
    if not claimed:
        return 0  # another worker took this batch
    cases = list(
        session.scalars(
            select(Case)
            .where(
                Case.id.in_(results),
                Case.appeal_id.in_(claimed),
                Case.status.in_(PENDING),
                unsuggested,
            )
            .order_by(Case.registered_at, Case.id)
            .with_for_update(skip_locked=True)
        ).all()
    )
    # Entries with nothing left to do (a case dispatched by hand before its turn) just go.
    to_write = {case.appeal_id for case in cases}
    stale = [a for a in claimed if a not in to_write and a not in failed]
    if stale:
        session.execute(delete(TriageQueueEntry).where(TriageQueueEntry.appeal_id.in_(stale)))
    for appeal_id, failure in failed.items():
        entry = session.get(TriageQueueEntry, appeal_id) if appeal_id in claimed else None
        if entry is not None:
            note_failure(entry, failure, policy=RETRY, now=now, item_id=appeal_id)
    # The batch in one savepoint; if any appeal's writes raise, each again in its own, and only
    # the bad one stays queued with its error (core/retries.py).
    handle_each(
        session,
        cases,
        lambda batch: _write_batch(session, batch, results, now=now, auto=auto),
        policy=RETRY,
        now=now,
        state_of=lambda c: session.get(TriageQueueEntry, c.appeal_id),
        id_of=lambda c: c.appeal_id,
        batch_first=True,
    )
    session.flush()
    return len(claimed)


def _write_batch(
    session: Session,
    cases: list[Case],
    results: dict[int, TriageResult],
    *,
    now: datetime,
    auto: bool,
) -> int:
    session.execute(
        delete(TriageQueueEntry).where(TriageQueueEntry.appeal_id.in_([c.appeal_id for c in cases]))
    )
    suggestions = [_apply(session, case, results[case.id], now=now, auto=auto) for case in cases]
    links = link_rows(session, {case.appeal_id: results[case.id].signals for case in cases}, now)
    try:
        # The batch's rows in two statements (core/bulk.py) rather than an ORM flush per appeal:
        # most of the job's cost when every appeal links to a dozen others.
        with session.begin_nested():
            insert_rows(session, TriageSuggestion, suggestions)
            _insert_links(session, links)
    except IntegrityError:
        # Another worker suggested one of these appeals between our snapshot and our lock (or
        # linked it): write row by row and skip the ones already there.
        for row in suggestions:
            _insert_one(
                session,
                TriageSuggestion,
                row,
                f"appeal {row['appeal_id']} was triaged by another worker",
            )
        for row in links:
            _insert_one(
                session, AppealLink, row, f"link {row['appeal_id']}->{row['other_id']} exists"
            )
    return len(cases)


def _insert_links(session: Session, rows: list[dict[str, Any]]) -> None:
    """Appeal links in one core statement, but each `repeat` link through the session: it
    changes the repeat figure of the day its target case was closed, and the assessment's
    roll-up learns that from the session's flush (analytics/models.py marks the day). A core
    INSERT passed no listener, so the folded day kept the old figure until something else
    marked it. A citizen's repeats are few beside the links of similar appeals."""
    insert_rows(session, AppealLink, [r for r in rows if r["kind"] != LinkKind.REPEAT.value])
    repeats = [AppealLink(**r) for r in rows if r["kind"] == LinkKind.REPEAT.value]
    if repeats:
        session.add_all(repeats)
        session.flush()


def _insert_one(
    session: Session,
    model: type[TriageSuggestion] | type[AppealLink],
    row: dict[str, Any],
    skipped: str,
) -> None:
    try:
        with session.begin_nested():
            if model is AppealLink:
                _insert_links(session, [row])
            else:
                insert_rows(session, model, [row])
    except IntegrityError:
        log.info("%s", skipped)


def facts_of(ctx: TriageContext, case: Case, appeal: Appeal) -> AppealFacts:
    units = ctx.snapshot.gazetteer.units

    def code(unit_id: int | None) -> str | None:
        unit = units.get(unit_id) if unit_id is not None else None
        return unit.code if unit else None

    return AppealFacts(
        appeal_id=appeal.id,
        case_id=case.id,
        title=appeal.title,
        body=appeal.body,
        address=appeal.address,
        phone=appeal.phone,
        submitted_at=appeal.submitted_at,
        street=code(case.street_id),
        community=code(case.community_id),
        grid=code(case.grid_id),
        community_id=case.community_id,
        category_hint_id=case.category_id or appeal.category_hint_id,
    )


def _apply(
    session: Session, case: Case, result: TriageResult, *, now: datetime, auto: bool
) -> dict[str, Any]:
    """Hide the complainant from accused units and dispatch a sure one; the suggestion row to write."""
    if case.accused_checked_at is None:
        # Normally decided at registration (screening.py), and then left alone: a dispatcher
        # may have lifted a unit since, which this pass must not undo.
        if result.hide_identity_from:
            hide_identity(
                session,
                case,
                result.hide_identity_from,
                actor_label=SYSTEM_ACTOR.username,
                now=now,
                reason=HIDE_REASON,
            )
        case.accused_checked_at = now
    status, hold = AWAITING, result.hold_reason
    if hold is None and not auto:
        hold = "auto_dispatch_off"
    elif hold is None:
        refused = _auto_dispatch(session, case, result, now)
        if refused is None:
            status = AUTO_DISPATCHED
        else:
            hold = f"dispatch_refused: {refused}"
    return suggestion_row(case, result, now=now, status=status, hold_reason=hold)


def _auto_dispatch(session: Session, case: Case, result: TriageResult, now: datetime) -> str | None:
    """Accept (if still registered) and dispatch as the system actor; the refusal's message if
    the lifecycle says no, with nothing of the attempt kept."""
    payload: dict[str, Any] = {"lead_unit": result.lead_unit, "co_units": result.co_units}
    if result.leaf_code:
        payload["category"] = result.leaf_code
    payload["reason"] = f"智能分拨：置信度 {result.confidence:.1%}（阈值 {result.threshold:.1%}）"
    try:
        with session.begin_nested():
            if case.status == CaseStatus.REGISTERED:
                act_on_case(
                    session, case.id, Action.ACCEPT, actor=SYSTEM_ACTOR, payload={}, now=now
                )
            act_on_case(
                session, case.id, Action.DISPATCH, actor=SYSTEM_ACTOR, payload=payload, now=now
            )
    except MinyiError as error:
        return error.message
    return None


def suggestion_row(
    case: Case, result: TriageResult, *, now: datetime, status: str, hold_reason: str | None
) -> dict[str, Any]:
    """The `triage_suggestions` row of one result, as a dict of column values."""
    rec = result.recommendation
    # The pipeline's results are plain dicts: validated into the typed blobs here.
    blobs = SuggestionBlobs.model_validate(
        {
            "top_k": result.top_k,
            "place": PlaceBlob(
                street=result.place.street,
                community=result.place.community,
                grid=result.place.grid,
            ),
            "place_candidates": result.place_candidates,
            "co_units": [
                CoUnitBlob(unit=c.code, name=c.name, score=c.score, reasons=list(c.reasons))
                for c in rec.co_units
            ],
            "excluded": rec.as_dict()["excluded"],
            "risk_flags": [f.as_dict() for f in result.risk_flags],
            "signals": result.signals.as_dict(),
        }
    )
    return {
        "appeal_id": case.appeal_id,
        "case_id": case.id,
        "created_at": now,
        "model_version": result.model_version,
        "label": result.label,
        "leaf_code": result.leaf_code,
        "class_name": result.class_name,
        "confidence": result.confidence,
        "threshold": result.threshold,
        "lead_unit": result.lead_unit,
        "qualifies_for_auto": result.qualifies_for_auto,
        "status": status,
        "hold_reason": hold_reason,
        "decided_by": SYSTEM_ACTOR.username if status == AUTO_DISPATCHED else None,
        "decided_at": now if status == AUTO_DISPATCHED else None,
        **blobs.columns(),
    }


BURST_GATES: Slot[Memo[tuple[float, float], BurstGate]] = Slot("triage.burst_gates", Memo)


def burst_gate(session: Session, options: TriageSettings) -> BurstGate:
    """The runtime's one gate (per configuration: a gate remembers the queue's growth)."""
    return BURST_GATES.of(session).get(
        (options.burst_rate, options.max_defer_seconds),
        lambda: BurstGate(burst_rate=options.burst_rate, max_defer_s=options.max_defer_seconds),
    )


def triage_queue_job(
    session: Session,
    *,
    now: datetime,
    options: TriageSettings | None = None,
    data_dir: Path | None = None,
) -> int:
    """The worker's entry: `triage_pending`, unless intake is in a burst (burst.py)."""
    options = options or defaults().triage
    with reading_beside(session) as reader:  # SQLite: a count must not take the write lock
        size = reader.scalar(select(func.count()).select_from(TriageQueueEntry)) or 0
    gate = burst_gate(session, options)
    if gate.should_defer(size, now):
        return 0
    taken = triage_pending(session, now=now, options=options, data_dir=data_dir)
    gate.took(taken)
    return taken


def check_accused_job(session: Session, *, now: datetime) -> int:
    """The complaint-target check of cases that skipped it at registration (imports, legacy
    rows, a failed check): until checked they are masked for every unit."""
    return check_unchecked(session, now=now)
