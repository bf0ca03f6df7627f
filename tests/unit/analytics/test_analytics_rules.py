"""The formulas of analytics, worked by hand: heat index, growth, clustering, the Poisson burst
test, periods, the assessment score and ranking."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from minyi.analytics.assessment import AssessmentRow, rank_rows
from minyi.analytics.hotspots import HotspotConfig, Message, cluster_messages, growth_of, heat_index
from minyi.analytics.rules import burst_test, period_of, previous_period, rate, score, tier_reached
from minyi.core.errors import Invalid

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def msg(
    i: int,
    title: str,
    *,
    days: float = 0,
    citizen: str | None = None,
    place: int | None = 1,
    likes: int = 0,
    crowd: int | None = None,
) -> Message:
    return Message(
        id=str(i),
        title=title,
        body=title,
        at=T0 + timedelta(days=days),
        citizen=citizen or f"p{i}",
        place=place,
        place_name=f"社区{place}",
        likes=likes,
        crowd_size=crowd,
    )


class TestHeatIndex:
    def test_the_formula(self) -> None:
        # (U + 0.5·R + 0.2·X + 3·ln(1 + L)) × (1 + G/3)
        h = heat_index(citizens=4, repeats=2, likes=9, crowd_extra=5, growth=1.5)
        assert h == pytest.approx((4 + 1 + 1 + 3 * math.log(10)) * 1.5)

    def test_growth_is_clipped(self) -> None:
        assert heat_index(
            citizens=2, repeats=0, likes=0, crowd_extra=0, growth=10
        ) == pytest.approx(4)
        assert heat_index(
            citizens=2, repeats=0, likes=0, crowd_extra=0, growth=-1
        ) == pytest.approx(2)

    def test_growth_compares_the_last_window_with_the_one_before(self) -> None:
        as_of = T0 + timedelta(days=14)
        times = [T0 + timedelta(days=d) for d in (6.5, 8, 10, 13)]  # 1 before, 3 in the last week
        assert growth_of(times, as_of=as_of, days=7) == pytest.approx(2.0)
        assert growth_of([T0], as_of=as_of, days=7) == 0.0


class TestClustering:
    def test_one_matter_one_hotspot_and_its_figures(self) -> None:
        messages = [
            msg(1, "丽发新城附近搅拌站噪音扰民", likes=10),
            msg(2, "投诉丽发新城附近搅拌站噪音", days=1, citizen="p1"),
            msg(3, "丽发新城搅拌站噪音污染严重", days=2, crowd=4),
            msg(4, "学校门口交通拥堵", days=1),
            msg(5, "学校门口早高峰交通拥堵", days=2),
            msg(6, "路灯不亮", days=2),
        ]
        found = cluster_messages(messages, as_of=T0 + timedelta(days=3), limit=5)
        assert [sorted(h.member_ids) for h in found] == [["1", "2", "3"], ["4", "5"]]
        top = found[0]
        assert (top.messages, top.citizens, top.repeats, top.likes, top.crowd_extra) == (
            3,
            2,
            1,
            10,
            3,
        )
        assert top.rank == 1 and top.place == "社区1"
        assert top.heat == pytest.approx(
            round(heat_index(citizens=2, repeats=1, likes=10, crowd_extra=3, growth=top.growth), 2)
        )

    def test_different_places_never_share_a_hotspot(self) -> None:
        messages = [msg(1, "垃圾站臭味扰民", place=1), msg(2, "垃圾站臭味扰民", place=2)]
        assert cluster_messages(messages, as_of=T0, limit=5) == []

    def test_a_long_silence_starts_a_new_episode(self) -> None:
        messages = [msg(i, "小区停车位被占用", days=d) for i, d in enumerate((0, 1, 60, 61, 62))]
        found = cluster_messages(
            messages, as_of=T0 + timedelta(days=70), limit=5, config=HotspotConfig(gap_days=30)
        )
        assert sorted(h.messages for h in found) == [2, 3]
        assert found[0].first_at == T0 + timedelta(days=60)


class TestBurstTest:
    def test_poisson_tail_against_the_trailing_baseline(self) -> None:
        lam = 4 / 28
        expected_p = 1 - sum(math.exp(-lam) * lam**k / math.factorial(k) for k in range(5))
        t = burst_test(5, 4, 28)
        assert t.expected == pytest.approx(lam, abs=1e-4)
        assert t.p_value == pytest.approx(expected_p, rel=1e-6)
        assert t.is_burst and t.level == "red"

    def test_a_busy_place_at_its_usual_rate_is_no_burst(self) -> None:
        assert not burst_test(5, 140, 28).is_burst  # λ = 5 a day

    def test_two_is_never_a_burst_and_an_empty_history_uses_the_prior(self) -> None:
        assert not burst_test(2, 0, 28).is_burst
        t = burst_test(3, 0, 28)
        assert t.expected == pytest.approx(1 / 30, abs=1e-4) and t.is_burst

    def test_tiers(self) -> None:
        assert tier_reached(2, (3, 5)) is None
        assert tier_reached(4, (3, 5)) == 3
        assert tier_reached(9, (3, 5)) == 5


class TestPeriods:
    def test_week_and_month_in_beijing_time(self) -> None:
        week = period_of("week", date(2026, 11, 20))
        assert week.label == "2026-W47"
        assert week.start.isoformat() == "2026-11-16T00:00:00+08:00"
        assert week.end - week.start == timedelta(days=7)
        month = period_of("month", date(2026, 12, 31))
        assert (month.label, month.start.day, month.end.month, month.end.year) == (
            "2026-12",
            1,
            1,
            2027,
        )

    def test_previous_period_is_the_last_complete_one(self) -> None:
        # 2026-11-20 01:00 UTC is Friday 09:00 in Beijing.
        assert previous_period("week", datetime(2026, 11, 20, 1, tzinfo=UTC)).label == "2026-W46"
        assert previous_period("month", datetime(2026, 11, 20, 1, tzinfo=UTC)).label == "2026-10"
        # 2026-11-30 17:00 UTC is already 1 December in Beijing.
        assert previous_period("month", datetime(2026, 11, 30, 17, tzinfo=UTC)).label == "2026-11"

    def test_an_unknown_period_is_refused(self) -> None:
        with pytest.raises(Invalid):
            period_of("year", date(2026, 1, 1))


def row(unit: str, s: float | None) -> AssessmentRow:
    zeros = dict.fromkeys(
        (
            "assigned",
            "signed_in_time",
            "closure_due",
            "closed",
            "closed_on_time",
            "closed_first_time",
            "feedback",
            "satisfied",
            "repeated",
            "bounces",
            "summoned",
            "reported_in_time",
        ),
        0,
    )
    rates = dict.fromkeys(
        (
            "timely_acceptance_rate",
            "on_time_closure_rate",
            "resolution_rate",
            "satisfaction_rate",
            "repeat_rate",
            "bounce_rate",
            "whistle_response_rate",
        )
    )
    return AssessmentRow(
        unit=unit, unit_name=unit, unit_kind="department", **zeros, **rates, score=s
    )


class TestScoreAndRank:
    def test_rate_never_makes_zero_of_nothing(self) -> None:
        assert rate(0, 0) is None
        assert rate(1, 4) == 0.25

    def test_score_weighs_only_the_rates_a_unit_has(self) -> None:
        # Satisfaction 0.8 (weight 25) and bounce rate 0.1 (weight 5, counted as 0.9).
        assert score({"satisfaction_rate": 0.8, "bounce_rate": 0.1}) == pytest.approx(
            100 * (25 * 0.8 + 5 * 0.9) / 30, abs=0.01
        )
        assert score({}) is None

    def test_equal_scores_share_a_rank_and_no_score_no_rank(self) -> None:
        ranked = rank_rows([row("A", 70), row("B", 90), row("C", 70), row("D", None), row("E", 50)])
        assert [(r.unit, r.rank) for r in ranked] == [
            ("B", 1),
            ("A", 2),
            ("C", 2),
            ("E", 4),
            ("D", None),
        ]
        assert replace(ranked[0], rank=None).unit == "B"
