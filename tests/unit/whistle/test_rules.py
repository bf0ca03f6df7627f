"""Whistle rules: who blows and responds, the report-in window, stages, response figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Role
from minyi.whistle.rules import (
    DEFAULT_REPORT_MINUTES,
    SummonsFact,
    SummonsStage,
    check_may_blow,
    check_may_respond,
    check_summoned_codes,
    in_area,
    report_window,
    reported_on_time,
    response_by_department,
    stage,
)

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def fact(
    unit: str, reported_after: float | None, *, window: float = 30, acted: bool = False
) -> SummonsFact:
    reported = T0 + timedelta(minutes=reported_after) if reported_after is not None else None
    return SummonsFact(
        unit, f"{unit}局", T0, T0 + timedelta(minutes=window), reported, reported if acted else None
    )


class TestWhoMay:
    @pytest.mark.parametrize(
        ("role", "kind"),
        [
            (Role.STREET_STAFF, "street"),
            (Role.COMMUNITY_STAFF, "community"),
            (Role.GRID_STAFF, "grid"),
        ],
    )
    def test_area_staff_blow(self, role: Role, kind: str) -> None:
        check_may_blow(role, kind)

    @pytest.mark.parametrize(
        ("role", "kind"),
        [
            (Role.UNIT_HEAD, "department"),
            (Role.DISPATCHER, "department"),
            (Role.LEADER, "district"),
            (Role.STREET_STAFF, "department"),
            (None, None),
        ],
    )
    def test_others_do_not(self, role: Role | None, kind: str | None) -> None:
        with pytest.raises(Forbidden):
            check_may_blow(role, kind)

    def test_department_staff_respond(self) -> None:
        check_may_respond(Role.UNIT_HANDLER)
        check_may_respond(Role.UNIT_HEAD)
        with pytest.raises(Forbidden):
            check_may_respond(Role.COMMUNITY_STAFF)


class TestInputs:
    def test_default_window(self) -> None:
        assert (
            report_window(None)
            == timedelta(minutes=DEFAULT_REPORT_MINUTES)
            == timedelta(minutes=30)
        )
        assert report_window(120) == timedelta(hours=2)

    @pytest.mark.parametrize("minutes", [0, -5, 7 * 24 * 60 + 1])
    def test_bad_window(self, minutes: int) -> None:
        with pytest.raises(Invalid) as error:
            report_window(minutes)
        assert error.value.details["errors"][0]["field"] == "report_within_minutes"

    def test_codes(self) -> None:
        assert check_summoned_codes([" DEP01", "DEP02 "]) == ["DEP01", "DEP02"]
        for bad in ([], ["", " "], ["DEP01", "DEP01"], [f"D{i}" for i in range(21)]):
            with pytest.raises(Invalid):
                check_summoned_codes(bad)

    def test_area(self) -> None:
        assert in_area("D/S01/S01C01/", "D/S01/")
        assert in_area("D/S01/", "D/S01/")
        assert not in_area("D/S02/S02C01/", "D/S01/")
        assert not in_area("D/S01/", None)


class TestStage:
    def test_progression(self) -> None:
        assert stage(reported_at=None, acted_at=None, confirmed_at=None) is SummonsStage.SUMMONED
        assert stage(reported_at=T0, acted_at=None, confirmed_at=None) is SummonsStage.REPORTED
        assert stage(reported_at=T0, acted_at=T0, confirmed_at=None) is SummonsStage.ACTED
        assert stage(reported_at=T0, acted_at=T0, confirmed_at=T0) is SummonsStage.CONFIRMED

    def test_on_time_includes_the_deadline(self) -> None:
        due = T0 + timedelta(minutes=30)
        assert reported_on_time(due, due)
        assert not reported_on_time(due + timedelta(seconds=1), due)
        assert not reported_on_time(None, due)


class TestResponseByDepartment:
    def test_rate_counts_only_reports_in_time(self) -> None:
        [d] = response_by_department(
            [fact("DEP01", 10), fact("DEP01", 45), fact("DEP01", None), fact("DEP01", 30)]
        )
        assert (d.summoned, d.reported, d.on_time) == (4, 3, 2)
        assert d.response_rate == 0.5
        assert d.median_minutes == 30.0

    def test_median_of_even_count(self) -> None:
        [d] = response_by_department([fact("DEP01", 10), fact("DEP01", 20)])
        assert d.median_minutes == 15.0 and d.response_rate == 1.0

    def test_no_report_has_no_median(self) -> None:
        [d] = response_by_department([fact("DEP02", None)])
        assert d.median_minutes is None and d.response_rate == 0.0 and d.reported == 0

    def test_acted_and_order_worst_first(self) -> None:
        rows = response_by_department(
            [fact("DEP01", 5, acted=True), fact("DEP02", None), fact("DEP02", 50)]
        )
        assert [d.unit for d in rows] == ["DEP02", "DEP01"]
        assert rows[1].acted == 1 and rows[1].as_dict()["response_rate"] == 1.0

    def test_empty(self) -> None:
        assert response_by_department([]) == []
