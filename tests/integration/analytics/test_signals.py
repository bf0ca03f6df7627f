"""Early warning, hotspots over the database and sweeps, on both backends, in a district of
their own: on Friday 2026-11-20 five neighbours of S01C02 complain about the same mixing
plant, one citizen of S03 writes three times, and the rest of the district is quiet."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cli_harness import CliResult, run_cli
from conftest import START, private_demo_app
from factories import auth, make_appeal, make_dispatched, unique_phone
from minyi.analytics.alerts import raise_alerts
from minyi.analytics.models import Alert
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.supervision.models import InstructionTask
from minyi.triage.places.entries import add_entry

DAY = date(2026, 11, 20)
PLANT = "丽水花园小区旁边搅拌站噪音扰民"


class World:
    def __init__(self, client: TestClient, db: Database, clock: ManualClock) -> None:
        self.client, self.db, self.clock = client, db, clock
        self.crowd: list[int] = []
        self.repeats: list[int] = []
        self.source = 0

    def get(self, path: str, user: str, status: int = 200, **params: Any) -> Any:
        r = self.client.get(path, params=params, headers=auth(self.client, user))
        assert r.status_code == status, r.text
        return r.json()

    def post(self, path: str, user: str, body: dict[str, Any], status: int = 200) -> Any:
        r = self.client.post(path, json=body, headers=auth(self.client, user))
        assert r.status_code == status, r.text
        return r.json()


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with private_demo_app(backend, tmp_path_factory.mktemp("signals")) as (client, db, clock):
        w = World(client, db, clock)
        # A quiet baseline: one appeal a week in S01C02 for four weeks before.
        for weeks in (4, 3, 2, 1):
            clock.advance(START - timedelta(weeks=weeks) - clock.now())
            make_appeal(
                client, title="路灯不亮", body="小区门口路灯坏了", street="S01", community="S01C02"
            )
        clock.advance(START - clock.now())
        for n in range(5):
            clock.advance(timedelta(minutes=20))
            w.crowd.append(
                make_appeal(
                    client,
                    title=PLANT,
                    body=f"丽水花园旁边的搅拌站日夜施工，噪音和粉尘严重影响生活{n}",
                    street="S01",
                    community="S01C02",
                )["id"]
            )
        phone = unique_phone()
        for topic in ("低保审批太慢", "低保审批为何还没结果", "再次反映低保审批问题"):
            clock.advance(timedelta(minutes=15))
            w.repeats.append(
                make_appeal(client, title=topic, body=topic, phone=phone, street="S03")["id"]
            )
        # The case a leader sweeps from: an old estate's lift, and similar ones elsewhere.
        w.source = make_dispatched(
            client,
            lead="DEP01",
            title="老旧小区电梯频繁故障",
            body="青松老旧小区三栋电梯经常坏，老人上下楼困难",
            street="S01",
        )["id"]
        make_appeal(
            client,
            title="老旧小区电梯故障无人修",
            body="翠湖老旧小区电梯故障一个月没人修",
            street="S02",
        )
        make_appeal(
            client, title="小区电梯坏了", body="望海老旧小区电梯又坏了，请尽快维修", street="S03"
        )
        with db.unit_of_work() as session:
            for name, unit in (
                ("青松老旧小区", "S01C01"),
                ("翠湖老旧小区", "S02C01"),
                ("望海新苑", "S03C01"),
                ("望海老旧小区", "S03C02"),
            ):
                add_entry(
                    session, name=name, kind="estate", unit_code=unit, actor_id=None, now=START
                )
        clock.advance(START + timedelta(hours=12) - clock.now())
        yield w


class TestAlerts:
    def test_the_day_raises_a_burst_a_repeat_petitioner_and_a_growing_crowd(
        self, world: World
    ) -> None:
        raised = world.post("/api/v1/analytics/alerts/run", "supervisor", {"day": DAY.isoformat()})
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for a in raised["items"]:
            by_kind.setdefault(a["kind"], []).append(a)
        community = [a for a in by_kind["burst"] if a["evidence"]["area_level"] == "community"]
        assert len(community) == 1
        burst = community[0]
        assert burst["unit"] == "S01C02"
        # Five on the day against four in the 28 days before: λ = 4/28 a day.
        assert burst["evidence"]["count"] == 5
        assert burst["evidence"]["baseline_count"] == 4
        assert burst["evidence"]["expected_per_day"] == pytest.approx(4 / 28, abs=1e-4)
        assert sorted(burst["evidence"]["case_ids"]) == sorted(world.crowd)
        (repeat,) = by_kind["repeat_petitioner"]
        assert repeat["evidence"]["count"] == 3 and sorted(
            repeat["evidence"]["case_ids"]
        ) == sorted(world.repeats)
        assert "****" in repeat["evidence"]["phone"]
        (crowd,) = by_kind["crowd_growth"]
        assert crowd["evidence"]["citizens"] == 5 and sorted(
            crowd["evidence"]["case_ids"]
        ) == sorted(world.crowd)

    def test_a_second_run_raises_nothing(self, world: World) -> None:
        again = world.post("/api/v1/analytics/alerts/run", "supervisor", {"day": DAY.isoformat()})
        assert again["raised"] == 0
        with world.db.unit_of_work() as session:
            assert raise_alerts(session, day=DAY, now=world.clock.now()) == []
            assert (
                session.scalar(
                    select(func.count()).select_from(Alert).where(Alert.day == DAY.isoformat())
                )
                >= 3
            )

    def test_an_alert_is_acknowledged_once(self, world: World) -> None:
        alert = world.get("/api/v1/analytics/alerts", "leader01", kind="repeat_petitioner")[
            "items"
        ][0]
        done = world.post(
            f"/api/v1/analytics/alerts/{alert['id']}/acknowledge", "leader01", {"note": "已约谈"}
        )
        assert (done["status"], done["acknowledged_by"], done["ack_note"]) == (
            "acknowledged",
            "leader01",
            "已约谈",
        )
        world.post(
            f"/api/v1/analytics/alerts/{alert['id']}/acknowledge", "supervisor", {}, status=409
        )
        world.post("/api/v1/analytics/alerts/999999/acknowledge", "supervisor", {}, status=404)

    def test_area_staff_see_their_area_and_unit_staff_nothing(self, world: World) -> None:
        mine = world.get("/api/v1/analytics/alerts", "s01c02.staff")["items"]
        assert mine and all(a["unit"] in ("S01", "S01C02") for a in mine)
        assert world.get("/api/v1/analytics/alerts", "s02.staff")["items"] == []
        world.get("/api/v1/analytics/alerts", "dep01.handler", status=403)
        burst = next(a for a in mine if a["kind"] == "burst")
        world.post(
            f"/api/v1/analytics/alerts/{burst['id']}/acknowledge", "s02.staff", {}, status=403
        )
        world.post(f"/api/v1/analytics/alerts/{burst['id']}/acknowledge", "s01c02.staff", {})


class TestHotspotsFromTheDatabase:
    def test_the_daily_pass_puts_the_mixing_plant_first(self, world: World) -> None:
        items = world.get("/api/v1/analytics/hotspots", "mayor", day=DAY.isoformat(), limit=3)[
            "items"
        ]
        top = items[0]
        assert sorted(int(i) for i in top["member_ids"]) == sorted(world.crowd)
        assert (top["messages"], top["citizens"], top["description"]) == (5, 5, PLANT)
        assert top["place"] is not None and top["growth"] > 0

    def test_a_period_pass_and_its_limits(self, world: World) -> None:
        items = world.get(
            "/api/v1/analytics/hotspots",
            "dispatcher",
            start="2026-11-20T00:00:00+08:00",
            end="2026-11-21T00:00:00+08:00",
        )["items"]
        assert any(sorted(int(i) for i in h["member_ids"]) == sorted(world.crowd) for h in items)
        world.get("/api/v1/analytics/hotspots", "dispatcher", status=422)
        world.get(
            "/api/v1/analytics/hotspots",
            "dispatcher",
            status=422,
            start="2026-01-01T00:00:00+08:00",
            end="2026-11-21T00:00:00+08:00",
        )
        world.get("/api/v1/analytics/hotspots", "dep01.handler", status=403, day=DAY.isoformat())


class TestSweeps:
    def test_similar_cases_are_found_across_the_district(self, world: World) -> None:
        items = world.get(f"/api/v1/analytics/cases/{world.source}/similar", "leader01")["items"]
        titles = [i["title"] for i in items]
        assert "老旧小区电梯故障无人修" in titles and "小区电梯坏了" in titles
        assert PLANT not in titles

    def test_a_leader_sweeps_every_old_estate_through_tracked_tasks(self, world: World) -> None:
        sweep = world.post(
            "/api/v1/analytics/sweeps",
            "secretary",
            {
                "case_id": world.source,
                "place_kind": "estate",
                "name_contains": "老旧",
                "text": "全面排查老旧小区电梯安全隐患",
                "within_days": 14,
            },
            status=201,
        )
        assert sorted(p["name"] for p in sweep["places"]) == [
            "望海老旧小区",
            "翠湖老旧小区",
            "青松老旧小区",
        ]
        assert len(sweep["similar_case_ids"]) >= 2
        tasks = sweep["instruction"]["tasks"]
        codes = sorted(t["unit"] for t in tasks)
        assert codes == ["DEP01", "S01", "S02", "S03"]
        assert all(t["state"] == "open" for t in tasks)
        # A street completes its task as it would any instruction's.
        task_id = next(t["id"] for t in tasks if t["unit"] == "S02")
        world.post(
            f"/api/v1/instruction-tasks/{task_id}/complete",
            "s02.staff",
            {"result": "已排查翠湖老旧小区电梯"},
        )
        again = world.get(f"/api/v1/analytics/sweeps/{sweep['id']}", "supervisor")
        states = {t["id"]: t["state"] for t in again["instruction"]["tasks"]}
        assert states[task_id] == "done"
        timeline = world.get(f"/api/v1/appeals/{world.source}/timeline", "supervisor")
        assert any(e["action"] == "instruct" for e in timeline)

    def test_only_leaders_sweep_and_bad_input_changes_nothing(self, world: World) -> None:
        with world.db.reading() as session:
            before = session.scalar(select(func.count()).select_from(InstructionTask))
        body = {"case_id": world.source, "place_kind": "estate", "text": "排查"}
        world.post("/api/v1/analytics/sweeps", "supervisor", body, status=403)
        world.post(
            "/api/v1/analytics/sweeps", "secretary", {**body, "place_kind": "planet"}, status=422
        )
        world.post(
            "/api/v1/analytics/sweeps",
            "secretary",
            {**body, "name_contains": "不存在的名字"},
            status=422,
        )
        world.post("/api/v1/analytics/sweeps", "secretary", {**body, "case_id": 999999}, status=404)
        with world.db.reading() as session:
            assert session.scalar(select(func.count()).select_from(InstructionTask)) == before


class TestAlertsCli:
    def run(self, world: World, *args: str) -> CliResult:
        return run_cli(
            ["analytics", "alerts", *args], env=os.environ | {"MINYI_DATABASE_URL": world.db.url}
        )

    def test_list_run_and_acknowledge(self, world: World) -> None:
        again = self.run(world, "run", "--day", DAY.isoformat())
        assert again.returncode == 0 and again.stdout.startswith("raised 0 new alert(s)"), (
            again.stderr
        )
        listed = self.run(world, "list", "--status", "open", "--json")
        assert listed.returncode == 0, listed.stderr
        open_alerts = json.loads(listed.stdout)
        assert open_alerts and all(a["status"] == "open" for a in open_alerts)
        target = open_alerts[0]["id"]
        refused = self.run(world, "ack", str(target), "--as", "dep01.handler")
        assert refused.returncode == 2 and refused.stderr.startswith("error:")
        done = self.run(world, "ack", str(target), "--as", "supervisor", "--note", "已转街道核查")
        assert done.returncode == 0, done.stderr
        twice = self.run(world, "ack", str(target), "--as", "supervisor")
        assert twice.returncode == 2 and "already acknowledged" in twice.stderr
