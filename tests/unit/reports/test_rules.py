"""Pure parts of the report: when it is due, periods in Shanghai time, item references, what
counts as rising, one-line summaries, and charts that are the same bytes for the same figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from minyi.core.errors import Invalid
from minyi.reports.charts import bar_chart, nice_max, trend_chart
from minyi.reports.rules import (
    Period,
    change,
    check_item_key,
    day_due,
    is_rising,
    item_ref,
    one_line,
    parse_item_ref,
)

TZ = ZoneInfo("Asia/Shanghai")


def test_due_from_eight_in_shanghai_for_the_day_before() -> None:
    eight = time(8, 0)
    assert day_due(datetime(2026, 11, 20, 23, 59, tzinfo=UTC), TZ, eight) is None  # 07:59 on 11-21
    assert day_due(datetime(2026, 11, 21, 0, 0, tzinfo=UTC), TZ, eight) == date(2026, 11, 20)
    assert day_due(datetime(2026, 11, 21, 15, 59, tzinfo=UTC), TZ, eight) == date(2026, 11, 20)
    assert day_due(datetime(2026, 11, 21, 16, 0, tzinfo=UTC), TZ, eight) is None  # 00:00 on 11-22


def test_a_local_day_in_utc() -> None:
    p = Period(date(2026, 11, 20), TZ)
    assert p.start() == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
    assert p.end == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert p.start(-7) == datetime(2026, 11, 12, 16, 0, tzinfo=UTC)
    assert p.local_day(datetime(2026, 11, 20, 15, 59, tzinfo=UTC)) == date(2026, 11, 20)


def test_item_refs_round_trip_and_unknown_items_are_refused() -> None:
    ref = item_ref(12, "case:20261120-000123")
    assert ref == "daily_report:12#case:20261120-000123"
    assert parse_item_ref(ref) == (12, "case:20261120-000123")
    assert parse_item_ref("something else") is None
    assert check_item_key(" street:S01 ", {"street:S01": "青松街道"}) == "street:S01"
    with pytest.raises(Invalid):
        check_item_key("street:S99", {"street:S01": "青松街道"})


@pytest.mark.parametrize(
    ("today", "baseline", "rising"),
    [
        (3, 0.0, True),
        (2, 0.0, False),
        (3, 1.0, True),
        (3, 1.01, False),
        (9, 4.0, True),
        (8, 4.0, False),
    ],
)
def test_rising_needs_three_and_twice_the_baseline_plus_one(
    today: int, baseline: float, rising: bool
) -> None:
    assert is_rising(today, baseline) is rising


def test_change_against_an_earlier_day() -> None:
    assert change(5, 3) == {"before": 3, "delta": 2, "ratio": 0.6667}
    assert change(4, 0) == {"before": 0, "delta": 4, "ratio": None}


def test_one_line_takes_the_first_sentence_else_the_title() -> None:
    assert one_line("噪音", "夜间施工噪音很大。影响休息。") == "夜间施工噪音很大"
    assert one_line("小区垃圾中转站臭味扰民", "臭！请处理") == "小区垃圾中转站臭味扰民"
    long = "一" * 80 + "。"
    assert one_line("t", long) == "一" * 59 + "…"


def test_charts_are_deterministic_and_escape_labels() -> None:
    points = [(f"11-{d:02d}", d) for d in range(1, 31)]
    assert trend_chart(points, title="t") == trend_chart(points, title="t")
    svg = bar_chart([("<b>街道</b>", 3, 1)], title="x")
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert nice_max(37) == (40, 10)
    assert nice_max(0) == (4.0, 1.0)
