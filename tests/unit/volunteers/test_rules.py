"""The volunteers' pure rules: which point rule pays, the ranking's order, the code's shape, the
checks on a report, and what the privacy policy shows of a volunteer to whom."""

from __future__ import annotations

import pytest

from minyi.org.rules import Actor, Role
from minyi.privacy.rules import volunteer_contact, volunteer_text
from minyi.volunteers.rules import (
    RuleKind,
    RuleRef,
    Standing,
    check_points,
    check_report,
    is_code,
    ranked,
    rule_for,
    volunteer_code,
)

GENERAL = RuleRef(1, "verified", None, 10, True)
CLOSED = RuleRef(2, "closed", None, 5, True)


class TestRuleFor:
    def test_the_general_rule_pays_any_class(self) -> None:
        assert rule_for([GENERAL, CLOSED], RuleKind.VERIFIED, "投诉建议") == GENERAL
        assert rule_for([GENERAL, CLOSED], RuleKind.CLOSED, None) == CLOSED

    def test_a_class_rule_wins_over_the_general_one(self) -> None:
        own = RuleRef(3, "verified", "帮扶救助", 30, True)
        assert rule_for([GENERAL, own], RuleKind.VERIFIED, "帮扶救助") == own
        assert rule_for([GENERAL, own], RuleKind.VERIFIED, "纠纷调解") == GENERAL

    def test_a_class_switched_off_or_at_zero_earns_nothing(self) -> None:
        off = RuleRef(3, "verified", "心理服务", 30, False)
        zero = RuleRef(4, "verified", "法律服务", 0, True)
        assert rule_for([GENERAL, off], RuleKind.VERIFIED, "心理服务") is None
        assert rule_for([GENERAL, zero], RuleKind.VERIFIED, "法律服务") is None
        assert rule_for([CLOSED], RuleKind.VERIFIED, None) is None


def test_ranking_shares_places_on_equal_points_and_verified() -> None:
    rows = [Standing(1, 10, 1), Standing(2, 30, 3), Standing(3, 10, 1), Standing(4, 10, 2)]
    assert [(place, s.volunteer_id) for place, s in ranked(rows)] == [
        (1, 2),
        (2, 4),
        (3, 1),
        (3, 3),
    ]


def test_codes_are_eight_digits_not_starting_with_zero() -> None:
    assert volunteer_code(0) == "10000000"
    assert volunteer_code(89_999_999) == "99999999"
    assert is_code("20260001")
    assert not is_code("02026001") and not is_code("2026000") and not is_code("２０２６０００１")


def test_report_and_points_checks() -> None:
    assert check_report("", "  井盖缺失  ", " ") == ("井盖缺失", "井盖缺失", None)
    with pytest.raises(ValueError, match="请描述"):
        check_report("标题", " ", None)
    with pytest.raises(ValueError, match="积分"):
        check_points(10_001)


def _staff(role: Role, path: str) -> Actor:
    return Actor(
        staff_id=1,
        username="u",
        name="n",
        role=role,
        unit_id=1,
        unit_code="U",
        unit_kind="community",
        unit_path=path,
    )


class TestVolunteerPrivacy:
    PATH = "D/S01/S01C01/"

    def test_keepers_of_the_area_read_in_clear(self) -> None:
        for actor in (
            _staff(Role.ADMIN, "D/"),
            _staff(Role.STREET_STAFF, "D/S01/"),
            _staff(Role.COMMUNITY_STAFF, self.PATH),
        ):
            assert volunteer_contact(actor, "李平安", "13912345678", community_path=self.PATH) == (
                "李平安",
                "13912345678",
            )

    def test_other_staff_read_masked_and_the_public_a_masked_name_only(self) -> None:
        other = _staff(Role.COMMUNITY_STAFF, "D/S01/S01C02/")
        leader = _staff(Role.LEADER, "D/")
        for actor in (other, leader):
            assert volunteer_contact(actor, "李平安", "13912345678", community_path=self.PATH) == (
                "李**",
                "139****5678",
            )
        assert volunteer_contact(None, "李平安", "13912345678", community_path=self.PATH) == (
            "李**",
            None,
        )
        assert volunteer_contact(
            None, "李平安", "13912345678", community_path=self.PATH, is_self=True
        ) == ("李平安", "13912345678")

    def test_report_text_is_masked_for_other_staff(self) -> None:
        text = "李平安发现：电话13912345678的住户"
        leader = _staff(Role.LEADER, "D/")
        shown = volunteer_text(leader, text, community_path=self.PATH, name="李平安")
        assert shown is not None
        assert "13912345678" not in shown and "李平安" not in shown
        keeper = _staff(Role.COMMUNITY_STAFF, self.PATH)
        assert volunteer_text(keeper, text, community_path=self.PATH, name="李平安") == text
