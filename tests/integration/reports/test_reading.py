"""The report as a 区委书记 reads it: the same matter once with its count and tracking numbers,
the community's and the street's alert over the same cases as one, figures in words (no test
statistics), alerts naming tracking numbers rather than internal ids."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minyi.analytics.models import Alert
from minyi.cases.models import Appeal, Case
from minyi.reports.render import render_html
from minyi.reports.rules import ReportKind
from minyi.reports.snapshot import build_snapshot

from .conftest import DAY, TZ, District


def section(snap: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s["data"] for s in snap["sections"] if s["key"] == key)


@pytest.fixture(scope="module")
def snap(district: District) -> dict[str, Any]:
    with district.db.reading() as session:
        return build_snapshot(
            session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=district.clock.now()
        )


class TestAlerts:
    def test_community_and_street_burst_over_the_same_cases_is_one_alert(
        self, snap: dict[str, Any], district: District
    ) -> None:
        alerts = section(snap, "alerts")
        bursts = [a for a in alerts["alerts"] if a["kind"] == "burst"]
        assert len(bursts) == 1, bursts
        with district.db.reading() as session:
            stored = session.scalars(
                select(Alert).where(Alert.kind == "burst", Alert.day == DAY.isoformat())
            ).all()
        assert len(stored) == 2  # the alert desk keeps both: the report says it once
        burst = bursts[0]
        assert sorted(burst["alert_ids"]) == sorted(a.id for a in stored)
        assert burst["unit_name"] == "青松街道科苑社区"
        assert alerts["total"] == len(alerts["alerts"]) == 1

    def test_alerts_name_tracking_numbers_in_words_a_leader_reads(
        self, snap: dict[str, Any], district: District
    ) -> None:
        burst = section(snap, "alerts")["alerts"][0]
        numbers = {district.cases[n]["tracking_no"] for n in ("C1", "C2", "C3")}
        assert set(burst["tracking_nos"]) == numbers
        assert re.fullmatch(r"当日3件，近28天共1件，比近28天常态高出\d+倍", burst["evidence_line"])
        label = next(i["label"] for i in section(snap, "alerts")["items"])
        assert all(no in label for no in numbers)
        page = re.sub(
            r"<[^>]+>", " ", render_html(snap, number=1, issued_at=district.clock.now(), tz=TZ)
        )
        assert "p=" not in page and "泊松" not in page
        assert "比近28天常态高出" in page
        assert "alert:" not in page and "case:" not in page  # item keys stay in the markup


class TestNearSameCases:
    def test_near_identical_difficult_cases_are_one_line_with_count_and_numbers(
        self, district: District
    ) -> None:
        c4, c5 = district.cases["C4"], district.cases["C5"]
        with Session(district.db.engine) as session, session.begin():
            # C4 (8 people) told the same matter as C5 in other words: "工资被拖欠。" beside "工资被拖欠".
            appeal_id = session.scalar(select(Case.appeal_id).where(Case.id == c4["id"]))
            session.execute(
                update(Appeal).where(Appeal.id == appeal_id).values(title="工资 被拖欠。")
            )
            snap = build_snapshot(
                session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=district.clock.now()
            )
            session.rollback()
        difficult = section(snap, "difficult")
        assert len(difficult["cases"]) == 1
        row = difficult["cases"][0]
        assert row["count"] == 2
        assert set(row["tracking_nos"]) == {c4["tracking_no"], c5["tracking_no"]}
        (item,) = difficult["items"]
        assert item["label"].startswith(row["title"] + "（2件：")
        assert c4["tracking_no"] in item["label"] and c5["tracking_no"] in item["label"]
        assert difficult["total"] == 2  # the figures still count both cases

    def test_different_matters_stay_apart(self, snap: dict[str, Any]) -> None:
        difficult = section(snap, "difficult")
        assert len(difficult["cases"]) == 2
        assert all(r["count"] == 1 for r in difficult["cases"])
