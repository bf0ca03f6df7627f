"""The 热点问题 and 预警信号 sections in issued reports, on a district of their own:

  11-22  one appeal in S02 (background)
  11-23  nothing at all (the empty day)
  11-24  five neighbours of S01/S01C01 report the same noisy mixing plant (one speaks for 8
         people), one unrelated appeal in S03

so 11-24 has one hotspot (5 appeals, 5 citizens, 12 people) and three alerts: the class bursting
in community S01C01 and in street S01 (5 against a 28-day baseline of 0), and the crowd hotspot
that grew; 11-23 has neither.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import private_demo_app
from factories import auth, make_appeal
from minyi.core.db import Database
from minyi.org.models import Unit
from minyi.reports.service import issue_daily_report

from .conftest import TZ, move_to

BURST_DAY, EMPTY_DAY = date(2026, 11, 24), date(2026, 11, 23)
PLANT = "小区旁搅拌站夜间施工噪音扰民"


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=TZ).astimezone(UTC)


@pytest.fixture(scope="module")
def issued(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Database, dict[date, dict[str, Any]], list[str]]]:
    with private_demo_app(backend, tmp_path_factory.mktemp(f"hotspots-{backend}")) as (
        client,
        db,
        clock,
    ):
        move_to(clock, client, _at(22, 10))
        make_appeal(client, street="S02")
        plant = []
        for n in range(5):
            move_to(clock, client, _at(24, 9 + n))
            plant.append(
                make_appeal(
                    client,
                    street="S01",
                    community="S01C01",
                    title=PLANT,
                    body=f"丽发新城旁边的搅拌站每天夜里施工到凌晨，噪音太大睡不着（第{n + 1}户）。",
                    **({"crowd_size": 8} if n == 0 else {}),
                )
            )
        make_appeal(client, street="S03", title="路灯不亮", body="翠湖路北段路灯连续三晚不亮。")
        move_to(clock, client, datetime(2026, 11, 25, 8, 30, tzinfo=TZ).astimezone(UTC))
        issues = {}
        for day in (EMPTY_DAY, BURST_DAY):
            with db.unit_of_work() as session:
                issue = issue_daily_report(
                    session, day=day, now=clock.now(), tz=TZ, issued_by="test"
                )
                issues[day] = {
                    "id": issue.id,
                    "snapshot": issue.snapshot,
                    "html": issue.html,
                    "pdf": issue.pdf,
                }
        yield client, db, issues, [p["tracking_no"] for p in plant]


def section(snapshot: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s["data"] for s in snapshot["sections"] if s["key"] == key)


def test_sections_sit_after_the_new_and_hot_and_before_overdue(issued: Any) -> None:
    _, _, issues, _ = issued
    titles = [s["title"] for s in issues[BURST_DAY]["snapshot"]["sections"]]
    assert titles[:6] == [
        "一、总体情况",
        "二、新情况与热点",
        "三、热点问题",
        "四、预警信号",
        "五、疑难复杂事项",
        "六、超期与预警",
    ]


def test_a_burst_in_one_community_is_a_hotspot_item(issued: Any) -> None:
    _, db, issues, plant = issued
    snap = issues[BURST_DAY]["snapshot"]
    hotspots = section(snap, "hotspots")["hotspots"]
    assert len(hotspots) == 1
    h = hotspots[0]
    assert (h["messages"], h["citizens"], h["people"], h["day"], h["prev_day"]) == (5, 5, 12, 5, 0)
    assert h["description"] == PLANT
    with db.reading() as session:
        assert h["place"] == session.scalar(select(Unit.name).where(Unit.code == "S01C01"))
    assert h["tracking_nos"] == plant[:4]  # oldest first, the rest as "等5件"
    assert h["heat"] > 0 and h["growth"] == 3.0
    assert snap["items"][h["key"]].startswith("热点：")


def test_the_same_burst_raises_alerts_with_their_evidence(issued: Any) -> None:
    _, _, issues, plant = issued
    data = section(issues[BURST_DAY]["snapshot"], "alerts")
    # The community's and the street's burst over the same five cases are one alert.
    assert data["total"] == 2
    assert data["counts"] == {"burst": 1, "repeat_petitioner": 0, "crowd_growth": 1}
    (burst,) = [a for a in data["alerts"] if a["kind"] == "burst"]
    assert len(burst["alert_ids"]) == 2
    assert burst["evidence"]["area_level"] == "community"
    assert (burst["evidence"]["count"], burst["evidence"]["baseline_count"], burst["cases"]) == (
        5,
        0,
        5,
    )
    assert burst["tracking_nos"] == plant[:5]
    assert burst["evidence_line"].startswith("当日5件，近28天没有同类诉求，比近28天常态")
    assert "p=" not in burst["evidence_line"]
    crowd = next(a for a in data["alerts"] if a["kind"] == "crowd_growth")
    assert (crowd["evidence"]["citizens"], crowd["evidence"]["messages"]) == (5, 5)
    for a in data["alerts"]:
        label = issues[BURST_DAY]["snapshot"]["items"][a["key"]]
        assert label.startswith(f"预警：{a['title']}（") and a["tracking_nos"][0] in label


def test_a_leader_instructs_on_an_alert_item(issued: Any) -> None:
    client, _, issues, _ = issued
    issue = issues[BURST_DAY]
    key = section(issue["snapshot"], "alerts")["alerts"][0]["key"]
    r = client.post(
        f"/api/v1/reports/{issue['id']}/instructions",
        json={
            "item": key,
            "text": "请青松街道三日内核查搅拌站夜间施工",
            "units": ["S01"],
            "within_days": 3,
        },
        headers=auth(client, "secretary"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["report_item"] == {"issue_id": issue["id"], "item": key}


def test_the_empty_day_says_none(issued: Any) -> None:
    _, _, issues, _ = issued
    issue = issues[EMPTY_DAY]
    assert section(issue["snapshot"], "hotspots")["hotspots"] == []
    assert section(issue["snapshot"], "alerts")["total"] == 0
    assert "近7日未发现热点问题" in issue["html"]
    assert "当日无预警信号" in issue["html"]


def test_both_sections_are_in_the_pdf(issued: Any, tmp_path: Path) -> None:
    _, _, issues, plant = issued
    path = tmp_path / "r.pdf"
    path.write_bytes(issues[BURST_DAY]["pdf"])
    text = "".join(
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )
    assert "三、热点问题" in text and "四、预警信号" in text
    assert PLANT in text
    assert "诉求激增" in text and "群体诉求增长" in text
    assert plant[0] in text
