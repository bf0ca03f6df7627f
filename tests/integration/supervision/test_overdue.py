"""Overdue shows when the clock breaches: the worker fires the task's or the order's clock, the
task reads 'overdue' to the leader, the order is flagged, the case's timeline says so once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import private_demo_app
from factories import auth, make_dispatched
from minyi.cases.models import CaseEvent
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.worker.runner import run_once


class World:
    """An app of its own: these tests move time, which must not touch other modules' cases."""

    def __init__(self, client: TestClient, db: Database, clock: ManualClock) -> None:
        self.client, self.db, self.clock = client, db, clock

    def fire(self) -> None:
        while run_once(self.db, self.clock)["fire_clocks"]:
            pass

    def events(self, case_id: int, action: str) -> list[CaseEvent]:
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(CaseEvent).where(
                        CaseEvent.case_id == case_id, CaseEvent.action == action
                    )
                )
            )

    def get(self, path: str, user: str, **params: Any) -> Any:
        r = self.client.get(path, params=params, headers=auth(self.client, user))
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, path: str, user: str, body: dict[str, Any], status: int = 200) -> Any:
        r = self.client.post(path, json=body, headers=auth(self.client, user))
        assert r.status_code == status, r.text
        return r.json()


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with private_demo_app(backend, tmp_path_factory.mktemp("supervision")) as (client, db, clock):
        yield World(client, db, clock)


class TestOverdue:
    def test_a_task_turns_yellow_then_overdue_and_its_case_hears_once(self, world: World) -> None:
        case = make_dispatched(world.client)
        body = world.post(
            "/api/v1/instructions",
            "secretary",
            {
                "case_id": case["id"],
                "units": ["DEP01", "DEP02"],
                "text": "限一日内办结。",
                "within_days": 1,
            },
            201,
        )
        ids = {t["unit"]: t["id"] for t in body["tasks"]}
        world.post(
            f"/api/v1/instruction-tasks/{ids['DEP02']}/complete",
            "dep02.head",
            {"result": "已按时办结"},
        )

        world.clock.advance(timedelta(hours=20))  # past the 80% warning point
        world.fire()
        seen = world.get(f"/api/v1/instructions/{body['id']}", "secretary")
        dep01 = next(t for t in seen["tasks"] if t["unit"] == "DEP01")
        assert dep01["state"] == "open"
        assert dep01["clock"]["colour"] == "yellow"

        world.clock.advance(timedelta(hours=4, minutes=1))
        world.fire()
        world.fire()
        seen = world.get(f"/api/v1/instructions/{body['id']}", "secretary")
        states = {t["unit"]: (t["state"], t["clock"]["colour"]) for t in seen["tasks"]}
        assert states == {"DEP01": ("overdue", "red"), "DEP02": ("done", "met")}
        assert seen["summary"]["overdue"] == 1
        assert [
            t["id"]
            for t in world.get("/api/v1/instruction-tasks", "dep01.head", overdue=True)["items"]
        ] == [ids["DEP01"]]
        assert [
            i["id"]
            for i in world.get("/api/v1/instructions", "secretary", state="overdue")["items"]
        ] == [body["id"]]
        assert len(world.events(case["id"], "instruction_overdue")) == 1

        done = world.post(
            f"/api/v1/instruction-tasks/{ids['DEP01']}/complete",
            "dep01.handler",
            {"result": "已办结（逾期）"},
        )
        assert done["state"] == "done_late"
        assert done["state_label"] == "超期办结"

    def test_an_order_unanswered_in_time_is_overdue(self, world: World) -> None:
        case = make_dispatched(world.client, lead="DEP03")
        order = world.post(
            "/api/v1/supervision-orders",
            "supervisor",
            {"case_id": case["id"], "reason": "请当日反馈。", "within_days": 1},
            201,
        )
        answered = world.post(
            "/api/v1/supervision-orders",
            "supervisor",
            {"unit": "DEP04", "reason": "请当日反馈。", "within_days": 1},
            201,
        )
        world.post(
            f"/api/v1/supervision-orders/{answered['id']}/respond",
            "dep04.head",
            {"response": "已反馈"},
        )
        world.clock.advance(timedelta(days=1, minutes=1))
        world.fire()
        overdue = world.get(
            "/api/v1/supervision-orders", "supervisor", overdue=True, page_size=200
        )["items"]
        assert order["id"] in {o["id"] for o in overdue}
        assert answered["id"] not in {o["id"] for o in overdue}
        seen = world.get(f"/api/v1/supervision-orders/{order['id']}", "dep03.head")
        assert seen["is_overdue"] is True
        assert seen["clock"]["colour"] == "red"
        assert seen["clock"]["time_left"].startswith("超期")
        assert len(world.events(case["id"], "supervision_overdue")) == 1
