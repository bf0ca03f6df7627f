"""Wording and grouping rules of the report: pure, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from minyi.reports.rules import (
    ReportKind,
    correction_label,
    group_near_same,
    merge_area_bursts,
    nos_line,
    report_title,
    times_above,
    worst_level,
)


class TestCorrectionTitle:
    def test_an_original_has_no_mark(self) -> None:
        assert (
            report_title(ReportKind.DAILY, 12, date(2026, 11, 19))
            == "民情日报 第12期（2026年11月19日）"
        )

    def test_corrections_keep_the_number(self) -> None:
        assert (
            report_title(ReportKind.DAILY, 12, date(2026, 11, 19), 1)
            == "民情日报 第12期（更正）（2026年11月19日）"
        )
        assert correction_label(2) == "（第2次更正）"
        assert correction_label(0) == ""


class TestTimesAbove:
    def test_many_times_the_usual(self) -> None:
        assert times_above(30, 1.0) == "高出29倍"

    def test_a_little_above(self) -> None:
        assert times_above(3, 2.0) == "高出50%"
        assert times_above(5, 2.0) == "高出1.5倍"
        assert times_above(6, 2.0) == "高出2倍"

    def test_no_usual(self) -> None:
        assert times_above(3, 0) == "明显高于常态"
        assert times_above(1, 1.0) == "与常态持平"


class TestGroupNearSame:
    def test_same_words_other_punctuation_are_one(self) -> None:
        titles = ["幸福社区占道经营", "路灯不亮", "幸福社区 占道经营！", "幸福社区占道经营问题"]
        assert group_near_same(titles) == [[0, 2, 3], [1]]

    def test_different_places_stay_apart(self) -> None:
        assert group_near_same(["幸福社区占道经营", "月季社区噪声扰民"]) == [[0], [1]]

    def test_numbers_line_names_the_count_once(self) -> None:
        assert nos_line(["A", "B"], 2) == "A、B"
        assert nos_line(["A", "B"], 9) == "A、B等9件"


@dataclass
class FakeAlert:
    id: int
    kind: str
    level: str
    class_name: str | None
    evidence: dict[str, Any] = field(default_factory=dict)


class TestMergeAreaBursts:
    def test_street_and_community_over_the_same_cases_are_one_community_first(self) -> None:
        street = FakeAlert(
            1,
            "burst",
            "yellow",
            "市容",
            {"area_level": "street", "count": 3, "case_ids": [7, 8, 9]},
        )
        community = FakeAlert(
            2,
            "burst",
            "red",
            "市容",
            {"area_level": "community", "count": 3, "case_ids": [9, 8, 7]},
        )
        other = FakeAlert(3, "crowd_growth", "red", None, {"case_ids": [7, 8, 9]})
        groups = merge_area_bursts([street, other, community])
        assert [[a.id for a in g] for g in groups] == [[2, 1], [3]]
        assert worst_level([a.level for a in groups[0]]) == "red"

    def test_a_street_burst_over_more_cases_stays_its_own(self) -> None:
        street = FakeAlert(
            1,
            "burst",
            "red",
            "市容",
            {"area_level": "street", "count": 5, "case_ids": [1, 2, 3, 4, 5]},
        )
        community = FakeAlert(
            2,
            "burst",
            "red",
            "市容",
            {"area_level": "community", "count": 3, "case_ids": [1, 2, 3]},
        )
        assert len(merge_area_bursts([street, community])) == 2
