"""Wire escalation to the lower layers: new cases, case actions and clock breaches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minyi.cases.hooks import CASE_ACTION, CASES_REGISTERED, ActionDone, RegisteredCase
from minyi.cases.models import Case
from minyi.core.registry import Registry
from minyi.escalation.service import evaluate_case, evaluate_registered, follow_lead_unit
from minyi.sla.hooks import CLOCK_FIRED
from minyi.sla.models import Clock

# Actions after which a case's facts may have changed: the leaf is set on dispatch, a reopen
# means the answer did not satisfy, a bounce is counted.
# A redispatch (改派) changes the lead unit as a dispatch does: the unit head holding follows it.
EVALUATED_ACTIONS = frozenset({"dispatch", "redispatch", "reopen", "bounce"})


def on_registered(session: Session, cases: list[RegisteredCase]) -> None:
    evaluate_registered(session, cases)


def on_action(session: Session, done: ActionDone) -> None:
    if done.action not in EVALUATED_ACTIONS:
        return
    lifted = evaluate_case(session, done.case_id, now=done.at)
    if lifted is None and done.action in ("dispatch", "redispatch"):
        case = session.get(Case, done.case_id)
        if case is not None:
            follow_lead_unit(session, case, now=done.at)


def on_breach(session: Session, clock: Clock, kind: str, now: datetime) -> None:
    if kind != "breach" or clock.subject != "case" or clock.case_id is None:
        return
    # The sweep locked the case before its clocks (as act_on_case does), so a breach and an
    # action cannot both lift it; the case is already in the session.
    if session.get(Case, clock.case_id) is None:
        return
    evaluate_case(session, clock.case_id, now=now, breached_clock_id=clock.id)


def install(registry: Registry) -> None:
    # After sla's handlers: a case is evaluated with its clocks planned, replanned or fired.
    registry.add(CASES_REGISTERED, "escalation.evaluate", on_registered)
    registry.add(CASE_ACTION, "escalation.evaluate", on_action)
    registry.add(CLOCK_FIRED, "escalation.breach", on_breach)
