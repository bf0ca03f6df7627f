"""Each section's figures against the week of appeals the package fixture made by hand."""

from __future__ import annotations

from typing import Any

import pytest

from minyi.reports.rules import ReportKind
from minyi.reports.snapshot import build_snapshot

from .conftest import DAY, TZ, District


@pytest.fixture(scope="module")
def snap(district: District) -> dict[str, Any]:
    with district.db.reading() as session:
        return build_snapshot(
            session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=district.clock.now()
        )


def section(snap: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s["data"] for s in snap["sections"] if s["key"] == key)


def row(rows: list[dict[str, Any]], code: str) -> tuple[int, int, int]:
    r = next(r for r in rows if r["code"] == code)
    return r["count"], r["prev_day"]["before"], r["last_week"]["before"]


class TestTotals:
    def test_received_against_the_day_before_and_last_week(self, snap: dict[str, Any]) -> None:
        t = section(snap, "totals")
        assert t["received"] == 5
        assert t["prev_day"] == {"before": 3, "delta": 2, "ratio": 0.6667}
        assert t["last_week"] == {"before": 2, "delta": 3, "ratio": 1.5}
        assert t["closed"] == 0
        trend = {p["day"]: p["count"] for p in t["trend"]}
        assert len(trend) == 30
        assert (trend["2026-11-21"], trend["2026-11-27"], trend["2026-11-28"]) == (2, 3, 5)
        assert sum(trend.values()) == 10

    def test_by_channel_class_and_street(self, snap: dict[str, Any]) -> None:
        t = section(snap, "totals")
        assert row(t["by_channel"], "hotline") == (3, 1, 2)
        assert row(t["by_channel"], "mailbox") == (1, 2, 0)
        assert row(t["by_channel"], "walk_in") == (1, 0, 0)
        assert row(t["by_class"], "投诉建议") == (4, 0, 1)
        assert row(t["by_class"], "") == (1, 3, 1)
        assert row(t["by_street"], "S01") == (3, 1, 1)
        assert row(t["by_street"], "S02") == (1, 2, 1)
        assert row(t["by_street"], "S03") == (1, 0, 0)
        assert t["by_street"][0]["code"] == "S01"


class TestHot:
    def test_rising_against_the_own_seven_day_baseline(self, snap: dict[str, Any]) -> None:
        h = section(snap, "hot")
        assert [(r["code"], r["count"], r["baseline"]) for r in h["matters"]] == [
            ("TS-01-01-01", 3, 0.14)
        ]
        assert [(r["code"], r["count"]) for r in h["places"]] == [("S01C01", 3)]
        assert [(r["code"], r["count"]) for r in h["classes"]] == [("投诉建议", 4)]

    def test_new_kinds_are_leaves_unseen_in_the_month_before(self, snap: dict[str, Any]) -> None:
        h = section(snap, "hot")
        assert [(r["code"], r["count"]) for r in h["new_kinds"]] == [("TS-01-01-02", 1)]


class TestDifficultAndNotable:
    def test_crowd_sensitive_and_escalated(self, snap: dict[str, Any], district: District) -> None:
        d = section(snap, "difficult")
        c4, c5 = district.cases["C4"]["tracking_no"], district.cases["C5"]["tracking_no"]
        tags = {c["tracking_no"]: set(c["tags"]) for c in d["cases"]}
        assert set(tags) == {c4, c5}
        assert {"涉众"} <= tags[c4]
        assert {"敏感"} <= tags[c5]
        assert d["counts"]["crowd"] == 1
        assert d["counts"]["sensitive"] == 1
        assert d["counts"]["repeat"] == 0
        assert d["total"] == 2

    def test_notable_cases_have_one_line_summaries(
        self, snap: dict[str, Any], district: District
    ) -> None:
        n = section(snap, "notable")
        c4 = district.cases["C4"]["tracking_no"]
        line = next(c for c in n["cases"] if c["tracking_no"] == c4)
        assert line["summary"] == "菜市场外流动摊贩聚集，八户居民联名反映出行困难"
        assert "涉及8人" in line["reasons"]
        assert f"case:{c4}" in snap["items"]


class TestOverdueMailboxesInstructions:
    def test_overdue_by_unit(self, snap: dict[str, Any]) -> None:
        o = section(snap, "overdue")
        # Nothing fired (no worker ran): no clock breached on the day, no task overdue.
        assert o["totals"]["breached_day"] == 0
        assert o["totals"]["tasks_overdue"] == 0
        units = {u["code"]: u for u in o["units"]}
        # As of 11-29 08:30: the five appeals of 11-21 and 11-27, still with the centre that
        # registered them, are past their deadlines; C5's first-round clock (warning from 11-29
        # 04:00, due 10:00 Beijing time) is yellow. C1, dispatched to DEP01 on 11-28, is in time.
        assert units["DISPATCH"]["overdue_open"] == 5
        assert units["DISPATCH"]["yellow_now"] == 1
        assert "DEP01" not in units
        assert o["totals"]["overdue_open"] == 5

    def test_mailbox_figures(self, snap: dict[str, Any]) -> None:
        m = section(snap, "mailboxes")
        mayor = next(r for r in m["mailboxes"] if r["code"] == "mailbox_mayor")
        assert mayor["day"] == {"received": 1, "closed": 0, "closure_rate": 0.0}
        assert mayor["month"] == {"received": 3, "closed": 0, "closure_rate": 0.0}
        assert m["day"]["received"] == 1

    def test_lead_paragraph_reads_the_figures(self, snap: dict[str, Any]) -> None:
        assert snap["lead"][0].startswith(
            "全区受理群众诉求5件，较前一日增加2件（66.7%），较上周同日增加3件（150.0%）"
        )
        assert any("新出现事项：" in line and "流动摊贩" in line for line in snap["lead"])
