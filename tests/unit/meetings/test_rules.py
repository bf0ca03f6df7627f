"""Joint-meeting rules: what makes a case hard, who organises, the agenda's order, the task's
subject reference and the checks on what is typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from minyi.core.errors import Forbidden, Invalid
from minyi.meetings.rules import (
    CaseFacts,
    Level,
    check_codes,
    check_level,
    check_may_decide,
    check_may_organise,
    check_starts_at,
    difficulty,
    may_organise,
    parse_subject_ref,
    reorder,
    subject_ref,
    tag_labels,
    weight,
)
from minyi.org.rules import Actor, Role

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


def facts(**overrides: object) -> CaseFacts:
    values: dict[str, object] = {
        "escalated": False,
        "overdue": False,
        "crowd_size": None,
        "key": False,
        "repeat": False,
        "registered_at": NOW - timedelta(days=2),
        "bounce_count": 0,
    }
    values.update(overrides)
    return CaseFacts(**values)  # type: ignore[arg-type]


def actor(role: Role, unit_id: int = 7, unit_kind: str = "street") -> Actor:
    return Actor(
        staff_id=1,
        username="u",
        name="某人",
        role=role,
        unit_id=unit_id,
        unit_code="S01",
        unit_kind=unit_kind,
        unit_path="D/S01/",
    )


class TestDifficulty:
    def test_an_ordinary_case_is_not_hard(self) -> None:
        assert difficulty(facts(), NOW) == []

    def test_each_reason_heaviest_first(self) -> None:
        tags = difficulty(
            facts(
                repeat=True,
                crowd_size=5,
                escalated=True,
                overdue=True,
                key=True,
                registered_at=NOW - timedelta(days=30),
                bounce_count=2,
            ),
            NOW,
        )
        assert tags == ["escalated", "overdue", "crowd", "key", "repeat", "backlog", "bounced"]
        assert tag_labels(tags[:3]) == "已提级、超期、涉众"

    def test_thresholds(self) -> None:
        assert difficulty(facts(crowd_size=4), NOW) == []
        assert difficulty(facts(bounce_count=1), NOW) == []
        assert difficulty(facts(registered_at=NOW - timedelta(days=29, hours=23)), NOW) == []

    def test_weight_ranks_escalated_over_repeat(self) -> None:
        assert weight(["escalated"]) > weight(["repeat", "bounced"])


class TestWhoOrganises:
    @pytest.mark.parametrize("role", [Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN])
    def test_the_district_office_organises_any_meeting(self, role: Role) -> None:
        assert may_organise(actor(role), level="district", street_id=None)
        assert may_organise(actor(role), level="street", street_id=99)

    def test_street_staff_organise_only_their_streets_meeting(self) -> None:
        street = actor(Role.STREET_STAFF, unit_id=7)
        assert may_organise(street, level="street", street_id=7)
        assert not may_organise(street, level="street", street_id=8)
        assert not may_organise(street, level="district", street_id=None)

    @pytest.mark.parametrize("role", [Role.UNIT_HEAD, Role.UNIT_HANDLER, Role.COMMUNITY_STAFF])
    def test_member_units_do_not(self, role: Role) -> None:
        with pytest.raises(Forbidden):
            check_may_organise(actor(role), level="district", street_id=None)


class TestAgendaAndChecks:
    def test_reorder_moves_one_and_keeps_the_rest(self) -> None:
        assert reorder([1, 2, 3, 4], 4, 1) == [4, 1, 2, 3]
        assert reorder([1, 2, 3, 4], 1, 3) == [2, 3, 1, 4]
        assert reorder([1, 2, 3], 2, 99) == [1, 3, 2]
        assert reorder([1, 2, 3], 3, 0) == [3, 1, 2]

    def test_subject_ref_round_trip(self) -> None:
        assert parse_subject_ref(subject_ref(12, 34)) == (12, 34)
        assert parse_subject_ref("daily_report:2026-11-20#3") is None
        assert parse_subject_ref("meeting:x#1") is None
        assert parse_subject_ref(None) is None

    def test_level_and_codes(self) -> None:
        assert check_level(" street ") is Level.STREET
        with pytest.raises(Invalid, match="会议层级"):
            check_level("city")
        assert check_codes([" DEP01 ", "", "S01"], "units", "成员单位", 5) == ["DEP01", "S01"]
        for bad in ([], ["A", "A"], ["A", "B", "C"]):
            with pytest.raises(Invalid):
                check_codes(bad, "units", "成员单位", 2)

    def test_times(self) -> None:
        assert check_starts_at(NOW + timedelta(days=3), NOW) == NOW + timedelta(days=3)
        with pytest.raises(Invalid):
            check_starts_at(datetime(2026, 12, 8, 9, 0), NOW)  # noqa: DTZ001 - a naive time is refused
        with pytest.raises(Invalid):
            check_starts_at(NOW + timedelta(days=400), NOW)
        with pytest.raises(Invalid, match="尚未开始"):
            check_may_decide(NOW + timedelta(minutes=1), NOW)
        check_may_decide(NOW, NOW)
