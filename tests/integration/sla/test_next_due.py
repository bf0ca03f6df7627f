"""`cases.next_due_at`, the urgency order's key, stays the nearest due time of the case's running
and breached clocks through random lives of a case: lifecycle actions (dispatch, reply, archive,
reopen...), pauses and resumes, extensions and the worker's warnings and breaches, with time
moving on between them. Compared after every step with the aggregate the order used to read."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conftest import START
from factories import register_appeal
from lifecycle_steps import actor_of, draw_onward, live
from minyi.cases.models import Case, CaseUnit
from minyi.cases.queries import CaseFilter, page_cases
from minyi.cases.rules import Action, CaseStatus
from minyi.cases.service import act_on_case
from minyi.core.db import Database
from minyi.org.service import actor_for_username
from minyi.sla.jobs import fire_due_clocks
from minyi.sla.models import Clock
from minyi.sla.queries import urgency_order
from minyi.sla.service import URGENT_STATES, extend_case, pause_case, resume_case

# Who takes each action in a case's ordinary life (the demo district's accounts).
NATURAL = {
    Action.ACCEPT: "clerk",
    Action.DECLINE: "clerk",
    Action.DISPATCH: "dispatcher",
    Action.REDISPATCH: "dispatcher",
    Action.APPROVE_BOUNCE: "dispatcher",
    Action.REFUSE_BOUNCE: "dispatcher",
    Action.ARCHIVE: "dispatcher",
    Action.MARK_KEY: "dispatcher",
    Action.SIGN_FOR: "dep25.handler",
    Action.REPLY: "dep25.handler",
    Action.BOUNCE: "dep25.handler",
    Action.RECORD_CONTACT: "dep25.handler",
    Action.RECORD_VISIT: "dep25.handler",
    Action.SUBMIT_REPLY: "dep25.handler",
    Action.APPROVE_REPLY: "dep25.head",
    Action.RETURN_REPLY: "dep25.head",
    Action.FEEDBACK: "citizen",
    Action.REOPEN: "supervisor",
}
MOVES = ("act", "act", "pause", "resume", "resume", "extend", "tick")
MILESTONES = ("handle", "close", "first_round", "acceptance")


def column_and_aggregate(db: Database, case_id: int) -> tuple[datetime | None, datetime | None]:
    """The case's column and the aggregate it stands for; and, asserted here, its units' rows
    carry the case's key (CaseUnit.next_due_at and registered_at, what their lists walk)."""
    with db.reading() as session:
        column, registered = session.execute(
            select(Case.next_due_at, Case.registered_at).where(Case.id == case_id)
        ).one()
        nearest = session.scalar(
            select(func.min(Clock.due_at)).where(
                Clock.subject == "case",
                Clock.subject_id == case_id,
                Clock.state.in_(URGENT_STATES),
            )
        )
        copies = session.execute(
            select(CaseUnit.next_due_at, CaseUnit.registered_at).where(CaseUnit.case_id == case_id)
        ).all()
    assert all(c == (column, registered) for c in copies), f"{copies} != {(column, registered)}"
    return column, nearest


def _step(
    db: Database, case_id: int, status: CaseStatus, data: st.DataObject, now: datetime
) -> str:
    move = data.draw(st.sampled_from(MOVES), label="move")
    with db.unit_of_work() as session:
        action = draw_onward(data, status) if move == "act" else None
        if action is not None:
            actor = actor_of(session, case_id, NATURAL[action])
            payload = {
                "reason": "理由",
                "text": "答复内容",
                "note": "记录",
                "lead_unit": "DEP25",
                # Several rows per case, one left inactive by a redispatch: all keep the key.
                "co_units": data.draw(st.sampled_from([[], ["DEP04"]]), label="co"),
                "rating": data.draw(st.sampled_from(["satisfied", "unsatisfied"]), label="rating"),
            }
            act_on_case(session, case_id, action, actor=actor, payload=payload, now=now)
            return action.value
        # The centre may pause, resume and extend any case's clocks, before dispatch too.
        centre = actor_for_username(session, "dispatcher")
        if move == "pause":
            pause_case(session, case_id, centre, reason="等待鉴定", now=now)
        elif move == "resume":
            resume_case(session, case_id, centre, now=now)
        elif move == "extend":
            extend_case(
                session,
                case_id,
                centre,
                milestone=data.draw(st.sampled_from(MILESTONES), label="milestone"),
                days=data.draw(st.sampled_from([1.0, 5.0, 30.0]), label="days"),
                reason="情况复杂",
                now=now,
            )
        else:
            fire_due_clocks(session, now=now)
    return move


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), length=st.integers(min_value=1, max_value=20))
def test_next_due_follows_the_clocks(
    fresh_demo_db: Database, data: st.DataObject, length: int
) -> None:
    db = fresh_demo_db
    now = START
    case_id = register_appeal(db, now=now, street="S01")["id"]
    column, nearest = column_and_aggregate(db, case_id)
    assert nearest is not None  # registration starts clocks
    assert column == nearest
    status = CaseStatus.REGISTERED

    def check(n: int, done: str) -> None:
        nonlocal status
        column, nearest = column_and_aggregate(db, case_id)
        assert column == nearest, f"step {n} ({done}): {column} != {nearest}"
        with db.reading() as session:
            status = CaseStatus(session.scalar(select(Case.status).where(Case.id == case_id)))

    live(
        data,
        length,
        start=now,
        hours=[0, 1, 8, 30, 200],
        step=lambda at: _step(db, case_id, status, data, at),
        check=check,
    )


def test_urgency_pages_cases_without_a_deadline_last(fresh_demo_db: Database) -> None:
    """The urgency order reads the column: a case whose clocks all ended sorts after every case
    with a deadline, and the keyset cursor pages through both groups without losing a row."""
    db = fresh_demo_db
    ids = [
        register_appeal(db, now=START + timedelta(minutes=i), street="S01")["id"] for i in range(5)
    ]
    with db.unit_of_work() as session:
        clerk = actor_for_username(session, "clerk")
        for case_id in ids[:2]:
            act_on_case(
                session,
                case_id,
                Action.DECLINE,
                actor=clerk,
                payload={"reason": "不属于受理范围"},
                now=START + timedelta(hours=1),
            )
    with db.reading() as session:
        dispatcher = actor_for_username(session, "dispatcher")
        order = urgency_order()
        seen: list[int] = []
        cursor = None
        while True:
            found = page_cases(
                session,
                dispatcher,
                CaseFilter(registered_from=START),
                cursor=cursor,
                size=2,
                order=order,
                count=False,
            )
            seen.extend(c.id for c, _ in found.rows)
            cursor = found.next_cursor
            if cursor is None:
                break
        dues = dict(
            session.execute(select(Case.id, Case.next_due_at).where(Case.id.in_(seen))).all()
        )
    mine = [i for i in seen if i in ids]
    assert len(seen) == len(set(seen))
    assert sorted(mine) == sorted(ids)
    with_deadline = [i for i in seen if dues[i] is not None]
    without = [i for i in seen if dues[i] is None]
    assert seen == with_deadline + without
    assert set(ids[:2]) <= set(without) and set(ids[2:]) <= set(with_deadline)
    assert [dues[i] for i in with_deadline] == sorted(dues[i] for i in with_deadline)
