"""Random action sequences through the real service and database: no invalid state is ever
reached, and every accepted action leaves exactly one event (a refused one leaves none)."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conftest import START
from factories import appeal_payload
from lifecycle_steps import actor_of, live
from minyi.cases.models import Case, CaseEvent, CaseUnit
from minyi.cases.rules import HANDLING, Action, CaseStatus, legal_actions
from minyi.cases.service import act_on_case
from minyi.core.db import Database
from minyi.core.errors import MinyiError
from minyi.core.ids import IdAllocator
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.service import actor_for_username

USERS = [
    "clerk",
    "dispatcher",
    "dep25.handler",
    "dep25.head",
    "dep26.handler",
    "supervisor",
    "s01.staff",
    "citizen",
]
PAYLOADS = [
    {},
    {
        "reason": "理由",
        "text": "答复内容",
        "note": "记录",
        "lead_unit": "DEP25",
        "co_units": ["DEP26"],
        "rating": "satisfied",
    },
    {
        "reason": "理由",
        "text": "答复内容",
        "note": "记录",
        "lead_unit": "DEP25",
        "rating": "unsatisfied",
    },
    {
        "reason": "理由",
        "lead_unit": "DEP26",
        "rating": "basically_satisfied",
        "method": "wechat",
        "note": "x",
    },
    {"lead_unit": "NOPE", "rating": "great", "method": "pigeon"},
]
# Mostly the natural actor and a valid payload, so sequences get deep into the lifecycle;
# sometimes anyone and anything, so refusals are exercised too.
NATURAL = {
    Action.ACCEPT: "clerk",
    Action.DECLINE: "clerk",
    Action.DISPATCH: "dispatcher",
    Action.APPROVE_BOUNCE: "dispatcher",
    Action.REFUSE_BOUNCE: "dispatcher",
    Action.ARCHIVE: "dispatcher",
    Action.SIGN_FOR: "dep25.handler",
    Action.REPLY: "dep25.handler",
    Action.BOUNCE: "dep25.handler",
    Action.RECORD_CONTACT: "dep25.handler",
    Action.RECORD_VISIT: "dep26.handler",
    Action.FEEDBACK: "citizen",
    Action.REOPEN: "supervisor",
    Action.MARK_KEY: "dispatcher",
    Action.REDISPATCH: "dispatcher",
    Action.SUBMIT_REPLY: "dep25.handler",
    Action.APPROVE_REPLY: "dep25.head",
    Action.RETURN_REPLY: "dep25.head",
}

_counter = itertools.count()


# The clocks' own timeline entries (a milestone made moot, deadlines restarted on a reopen)
# follow an action; the lifecycle writes one event per action besides them.
LIFECYCLE = ~CaseEvent.action.startswith("clock_")


def event_count(db: Database, case_id: int) -> int:
    with db.reading() as session:
        return int(
            session.scalar(select(func.count()).where(CaseEvent.case_id == case_id, LIFECYCLE)) or 0
        )


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), length=st.integers(min_value=1, max_value=30))
def test_random_sequences_keep_the_case_valid(
    db: Database, data: st.DataObject, length: int
) -> None:
    ids = IdAllocator(db, "appeals", block=1).take(1)
    with db.unit_of_work() as session:
        actor = actor_for_username(session, "clerk")
        [receipt] = register_appeals(
            session,
            [AppealIn.model_validate(appeal_payload(street="S01"))],
            actors=[actor],
            ids=ids,
            refs=RefCache(),
            now=START,
            tz=ZoneInfo("Asia/Shanghai"),
        )
    assert not isinstance(receipt, MinyiError)
    case_id = receipt.id
    expected_events = 1
    status = CaseStatus.REGISTERED
    before = 0
    action, payload_no = Action.ACCEPT, 0

    def step(now: datetime) -> str:
        nonlocal before, action, payload_no
        # Mostly an action legal now, by its natural actor, with a valid payload, so sequences
        # reach deep into the lifecycle; otherwise anything at all, so refusals are exercised.
        if data.draw(st.integers(0, 9), label="wild") < 7 and legal_actions(status):
            action = data.draw(st.sampled_from(legal_actions(status)), label="action")
            user = NATURAL[action]
            payload_no = data.draw(st.sampled_from([1, 1, 2, 3]), label="payload")
        else:
            action = data.draw(st.sampled_from(list(Action)), label="action")
            user = data.draw(st.sampled_from(USERS), label="user")
            payload_no = data.draw(st.sampled_from(range(len(PAYLOADS))), label="payload")
        before = event_count(db, case_id)
        with db.unit_of_work() as session:
            act_on_case(
                session,
                case_id,
                action,
                actor=actor_of(session, case_id, user),
                payload=dict(PAYLOADS[payload_no]),
                now=now,
            )
        return action.value

    def check(n: int, done: str) -> None:
        nonlocal status, expected_events
        after = event_count(db, case_id)
        with db.reading() as session:
            case = session.get(Case, case_id)
            assert case is not None
            status = CaseStatus(case.status)  # never a value outside the enum
            units = session.scalars(
                select(CaseUnit).where(CaseUnit.case_id == case_id, CaseUnit.is_active.is_(True))
            ).all()
            last = session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case_id, LIFECYCLE)
                .order_by(CaseEvent.id.desc())
                .limit(1)
            ).one()
        if done == "refused":
            assert after == before, f"step {n}: a refused {action} left an event"
            return
        # 不满意 writes the feedback and the automatic reopen: two events for one request.
        reopened = action is Action.FEEDBACK and PAYLOADS[payload_no].get("rating") == "unsatisfied"
        assert after == before + (2 if reopened else 1), f"step {n}: {action}"
        expected_events = after
        event(f"reached {status.value}")
        assert last.to_status == status.value
        if status in HANDLING:
            assert case.lead_unit_id is not None
            assert [u.unit_id for u in units if u.role == "lead"] == [case.lead_unit_id]
        if case.bounce_pending:
            assert status in HANDLING
        if status in (CaseStatus.REGISTERED, CaseStatus.ACCEPTED):
            assert not case.bounce_pending

    # Time stands still (START throughout): the lifecycle alone is under test.
    live(data, length, start=START, hours=[], step=step, check=check)
    assert event_count(db, case_id) == expected_events
