"""The step loop the lifecycle property tests share (cases/test_state_machine_property.py,
cases/test_unit_status.py, sla/test_next_due.py): a case lives `length` steps through the real
services, time moving on between them, and after every step, refused or not, the test checks
what must hold. Each test keeps its own step (what it does to the case) and its own check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from hypothesis import event
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from minyi.cases.rules import Action, CaseStatus, legal_actions
from minyi.core.errors import MinyiError
from minyi.org.rules import Actor, citizen_actor
from minyi.org.service import actor_for_username


def actor_of(session: Session, case_id: int, user: str) -> Actor:
    """The demo district's account `user`, or the case's citizen."""
    return citizen_actor(case_id) if user == "citizen" else actor_for_username(session, user)


def draw_onward(data: st.DataObject, status: CaseStatus) -> Action | None:
    """An action legal now, nine times in ten one that keeps the case alive (not declined or
    archived), so lives reach replies and reopens; None where none is legal (no draw then)."""
    legal = legal_actions(status)
    if not legal:
        return None
    onward = [a for a in legal if a not in (Action.DECLINE, Action.ARCHIVE)]
    if onward and data.draw(st.integers(0, 9), label="onward") < 9:
        legal = onward
    return data.draw(st.sampled_from(legal), label="action")


def live(
    data: st.DataObject,
    length: int,
    *,
    start: datetime,
    hours: Sequence[int],
    step: Callable[[datetime], str],
    check: Callable[[int, str], None],
) -> None:
    """`length` steps: time moves on by a drawn number of `hours` (none drawn where it is
    empty), `step(now)` acts and names what it did, or raises MinyiError: a refused step
    changes nothing, and what must hold is checked after it all the same, `check(n, done)`."""
    now = start
    for n in range(length):
        if hours:
            now += timedelta(hours=data.draw(st.sampled_from(hours), label="hours"))
        try:
            done = step(now)
        except MinyiError:
            done = "refused"
        event(done)
        check(n, done)
