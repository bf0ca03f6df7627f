"""The one definition of the status categories (cases.rules): open and closed split every
status between them, and the lifecycle table only closes a case through the actions that
stamp `closed_at` (so "closed now" and "closed in a period" count the same cases)."""

from __future__ import annotations

from minyi.cases.rules import (
    CLOSED,
    HANDLING,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    UNSETTLED,
    WORKING,
    Action,
    CaseStatus,
    is_closed,
    is_open,
)

# The actions whose service step sets `closed_at` (cases.service: _decline, _reply, _approve_reply)
# and the one that clears it (_reopen).
CLOSING = {Action.DECLINE, Action.REPLY, Action.APPROVE_REPLY}


def test_open_and_closed_split_every_status() -> None:
    assert set(OPEN) | set(CLOSED) == set(CaseStatus)
    assert not set(OPEN) & set(CLOSED)
    for s in CaseStatus:
        assert is_open(s) is (s in OPEN)
        assert is_closed(s.value) is (s in CLOSED)


def test_the_narrower_categories_nest() -> None:
    assert set(HANDLING) <= set(WORKING) <= set(OPEN) <= set(UNSETTLED)
    assert set(UNSETTLED) - set(OPEN) == {CaseStatus.REPLIED}
    assert set(TERMINAL) <= set(CLOSED)


def test_a_case_closes_only_through_the_actions_that_stamp_closed_at() -> None:
    closing = {a for (s, a), t in TRANSITIONS.items() if s in OPEN and t in CLOSED}
    assert closing == CLOSING
    reopening = {a for (s, a), t in TRANSITIONS.items() if s in CLOSED and t in OPEN}
    assert reopening == {Action.REOPEN}


def test_terminal_statuses_lead_out_only_by_a_reopen() -> None:
    for (s, a), _ in TRANSITIONS.items():
        if s in TERMINAL:
            assert a is Action.REOPEN
