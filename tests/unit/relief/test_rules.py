"""Relief's pure rules: the state table walked pair by pair, who reviews which stage, the
stages reached (the privacy policy's reviewers), and the amount's parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minyi.org.rules import Actor, Role
from minyi.relief.rules import (
    TRANSITIONS,
    ReliefStatus,
    Stage,
    Step,
    may_review,
    next_status,
    parse_amount,
    resume_status,
    stages_reached,
)

S = ReliefStatus
LEGAL = {
    (S.COMMUNITY, Step.APPROVE): S.STREET,
    (S.STREET, Step.APPROVE): S.DEPARTMENT,
    (S.DEPARTMENT, Step.APPROVE): S.APPROVED,
    (S.COMMUNITY, Step.RETURN): S.RETURNED,
    (S.STREET, Step.RETURN): S.RETURNED,
    (S.DEPARTMENT, Step.RETURN): S.RETURNED,
    (S.COMMUNITY, Step.REFUSE): S.REFUSED,
    (S.STREET, Step.REFUSE): S.REFUSED,
    (S.DEPARTMENT, Step.REFUSE): S.REFUSED,
    (S.APPROVED, Step.PAY): S.PAID,
    (S.PAID, Step.FOLLOW_UP): S.FOLLOWED_UP,
}


def _actor(role: Role, code: str, path: str) -> Actor:
    return Actor(
        staff_id=1,
        username="x",
        name="x",
        role=role,
        unit_id=1,
        unit_code=code,
        unit_kind=None,
        unit_path=path,
    )


class TestTable:
    @pytest.mark.parametrize("status", list(ReliefStatus))
    @pytest.mark.parametrize("step", list(Step))
    def test_every_pair(self, status: ReliefStatus, step: Step) -> None:
        assert next_status(status, step) == LEGAL.get((status, step))

    def test_the_table_is_the_legal_set(self) -> None:
        assert TRANSITIONS == LEGAL

    def test_a_resubmission_goes_back_to_the_stage_that_returned_it(self) -> None:
        assert resume_status(Stage.STREET) is S.STREET


class TestReviewers:
    PATH = "D/S01/S01C01/"

    def test_each_stage_has_its_reviewers(self) -> None:
        community = _actor(Role.COMMUNITY_STAFF, "S01C01", "D/S01/S01C01/")
        street = _actor(Role.STREET_STAFF, "S01", "D/S01/")
        bureau = _actor(Role.UNIT_HEAD, "DEP10", "D/DEP10/")
        other = _actor(Role.UNIT_HEAD, "DEP01", "D/DEP01/")
        elsewhere = _actor(Role.COMMUNITY_STAFF, "S02C01", "D/S02/S02C01/")
        assert may_review(community, Stage.COMMUNITY, community_path=self.PATH)
        assert not may_review(community, Stage.STREET, community_path=self.PATH)
        assert may_review(street, Stage.STREET, community_path=self.PATH)
        assert may_review(bureau, Stage.DEPARTMENT, community_path=self.PATH)
        assert not may_review(other, Stage.DEPARTMENT, community_path=self.PATH)
        assert not may_review(elsewhere, Stage.COMMUNITY, community_path=self.PATH)

    def test_stages_reached(self) -> None:
        assert stages_reached(S.COMMUNITY, None) == (Stage.COMMUNITY,)
        assert stages_reached(S.RETURNED, Stage.STREET) == (Stage.COMMUNITY, Stage.STREET)
        assert stages_reached(S.PAID, None)[-1] is Stage.DEPARTMENT


class TestAmount:
    def test_parsing(self) -> None:
        assert parse_amount("1,200.5元", required=True) == Decimal("1200.50")
        assert parse_amount("", required=False) is None
        for bad in ("0", "-3", "abc", "1.234", "1000000", "NaN", "Infinity"):
            with pytest.raises(ValueError, match="金额"):
                parse_amount(bad, required=True)
        with pytest.raises(ValueError, match="请填写金额"):
            parse_amount(None, required=True)
