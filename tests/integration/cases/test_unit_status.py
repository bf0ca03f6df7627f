"""`case_units.case_status`, the case's status copied on its units' rows, stays `cases.status`
through random lives of a case (dispatch with co-units, redispatch, sign, reply, approval,
feedback, reopen, archive), and the unit scope that reads it (`unit_scope`) names the same cases
as the scope written over `cases.status` alone."""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import exists, false, or_, select

from conftest import START
from factories import register_appeal
from lifecycle_steps import actor_of, draw_onward, live
from minyi.cases.models import Case, CaseUnit
from minyi.cases.queries import AREA_COLUMNS, unit_scope
from minyi.cases.rules import OPEN, Action, CaseStatus
from minyi.cases.service import act_on_case
from minyi.core.db import Database
from minyi.org.models import Unit

LEADS = ("DEP25", "DEP03")
CO_UNITS = ((), ("DEP04",), ("DEP04", "DEP05"), ("DEP06",))
CENTRE = {Action.ACCEPT, Action.DECLINE, Action.DISPATCH, Action.REDISPATCH}
CENTRE |= {Action.APPROVE_BOUNCE, Action.REFUSE_BOUNCE, Action.ARCHIVE, Action.MARK_KEY}


def _who(action: Action, lead: str | None) -> str:
    if action in (Action.ACCEPT, Action.DECLINE):
        return "clerk"
    if action in CENTRE:
        return "dispatcher"
    if action is Action.FEEDBACK:
        return "citizen"
    if action is Action.REOPEN:
        return "supervisor"
    unit = (lead or "DEP25").lower()
    return (
        f"{unit}.head"
        if action in (Action.APPROVE_REPLY, Action.RETURN_REPLY)
        else (f"{unit}.handler")
    )


def _act(db: Database, case_id: int, status: CaseStatus, data: st.DataObject, now: datetime) -> str:
    action = draw_onward(data, status)
    if action is None:
        return "none"
    with db.unit_of_work() as session:
        lead_id = session.scalar(select(Case.lead_unit_id).where(Case.id == case_id))
        lead = session.scalar(select(Unit.code).where(Unit.id == lead_id)) if lead_id else None
        actor = actor_of(session, case_id, _who(action, lead))
        payload = {
            "reason": "理由",
            "text": "答复内容",
            "note": "记录",
            "lead_unit": data.draw(st.sampled_from(LEADS), label="lead"),
            "co_units": list(data.draw(st.sampled_from(CO_UNITS), label="co")),
            "rating": data.draw(st.sampled_from(["satisfied", "unsatisfied"]), label="rating"),
        }
        act_on_case(session, case_id, action, actor=actor, payload=payload, now=now)
    return action.value


def _check(db: Database, case_id: int, step: str) -> CaseStatus:
    with db.reading() as session:
        status = session.scalar(select(Case.status).where(Case.id == case_id))
        copied = session.scalars(
            select(CaseUnit.case_status).where(CaseUnit.case_id == case_id)
        ).all()
        assert all(c == status for c in copied), f"{step}: {copied} != {status}"
        units = session.scalars(select(CaseUnit.unit_id).where(CaseUnit.case_id == case_id)).all()
        first = session.scalar(select(Case.first_unit_id).where(Case.id == case_id))
        place = session.execute(
            select(Case.street_id, Case.community_id, Case.grid_id).where(Case.id == case_id)
        ).one()
        # Each unit on the case with no area, and each of the case's areas as its unit's area.
        scopes = [(u, None) for u in {*units, *([first] if first else [])}]
        scopes += [(u, a) for u, a in zip(place, AREA_COLUMNS.values(), strict=True) if u]
        for unit_id, area in scopes:
            for statuses in ([CaseStatus(status)], list(OPEN), [CaseStatus.ARCHIVED]):
                values = [s.value for s in statuses]
                old = or_(
                    exists().where(
                        CaseUnit.case_id == Case.id,
                        CaseUnit.unit_id == unit_id,
                        CaseUnit.is_active.is_(True),
                    ),
                    Case.first_unit_id == unit_id,
                    getattr(Case, area) == unit_id if area else false(),
                )
                new = unit_scope(unit_id, statuses, area=area)
                by_status = select(Case.id).where(Case.id == case_id, Case.status.in_(values))
                assert (
                    session.scalars(by_status.where(old)).all()
                    == session.scalars(by_status.where(new)).all()
                ), f"{step}: unit {unit_id}, area {area}, {values}"
    return CaseStatus(status)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), length=st.integers(min_value=1, max_value=16))
def test_case_status_follows_the_case(
    fresh_demo_db: Database, data: st.DataObject, length: int
) -> None:
    db = fresh_demo_db
    now = START
    case_id = register_appeal(db, now=now, street="S01", community="S01C01", grid="S01C01G01")["id"]
    status = _check(db, case_id, "registered")

    def check(n: int, done: str) -> None:
        nonlocal status
        status = _check(db, case_id, f"step {n} ({done})")

    live(
        data,
        length,
        start=now,
        hours=[0, 1, 30],
        step=lambda at: _act(db, case_id, status, data, at),
        check=check,
    )
