"""Leaders' instructions (批示): tasks for the named units with clocks, completed by unit staff,
listed to the leader with each task's state, and written on the case's timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from factories import auth, make_dispatched
from minyi.core.clock import ManualClock


def instruct(client: TestClient, user: str = "secretary", **body: Any) -> Any:
    body.setdefault("text", "请住建局牵头，城管局配合，三日内妥善处理并回复群众。")
    body.setdefault("units", ["DEP01", "DEP02"])
    if "deadline" not in body:
        body.setdefault("within_days", 3)
    return client.post("/api/v1/instructions", json=body, headers=auth(client, user))


def created(client: TestClient, user: str = "secretary", **body: Any) -> dict[str, Any]:
    r = instruct(client, user, **body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def task_for(instruction: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(t for t in instruction["tasks"] if t["unit"] == unit)


def timeline_actions(client: TestClient, case_id: int) -> list[str]:
    r = client.get(f"/api/v1/appeals/{case_id}/timeline", headers=auth(client, "supervisor"))
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()]


class TestWriteInstruction:
    def test_each_unit_gets_a_task_with_a_clock(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client)
        body = created(app_client, case_id=case["id"])
        assert body["case_id"] == case["id"]
        assert body["author"]["username"] == "secretary"
        assert [t["unit"] for t in body["tasks"]] == ["DEP01", "DEP02"]
        for task in body["tasks"]:
            assert task["state"] == "open"
            assert task["state_label"] == "办理中"
            assert task["clock"]["state"] == "running"
            assert task["clock"]["colour"] == "green"
            assert task["clock"]["time_left"] == "剩余 3天"
            assert task["clock"]["due_at"] == task["deadline"]
        assert body["summary"] == {"tasks": 2, "done": 0, "overdue": 0}
        assert "instruct" in timeline_actions(app_client, case["id"])

    def test_on_a_report_item_without_a_case(self, app_client: TestClient) -> None:
        body = created(app_client, subject_ref="daily_report:2026-11-20#3", units=["S01"])
        assert body["case_id"] is None
        assert body["subject_ref"] == "daily_report:2026-11-20#3"
        assert body["tasks"][0]["unit"] == "S01"

    def test_an_explicit_deadline(self, app_client: TestClient, clock: ManualClock) -> None:
        due = (clock.now() + timedelta(hours=30)).isoformat()
        body = created(app_client, subject_ref="专题会议", units=["DEP03"], deadline=due)
        assert body["tasks"][0]["clock"]["time_left"] == "剩余 1天6小时"

    def test_only_leaders_instruct(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client)
        for user in ("supervisor", "dispatcher", "dep01.head"):
            r = instruct(app_client, user, case_id=case["id"])
            assert r.status_code == 403, user
        assert "instruct" not in timeline_actions(app_client, case["id"])

    def test_bad_input_names_the_field(self, app_client: TestClient, clock: ManualClock) -> None:
        case = make_dispatched(app_client)
        cases = [
            ({"case_id": case["id"], "units": ["NOPE"]}, "units"),
            ({"case_id": case["id"], "units": ["DEP01", "DEP01"]}, "units"),
            ({"case_id": case["id"], "units": ["D"]}, "units"),
            ({"case_id": case["id"], "units": []}, "units"),
            ({"units": ["DEP01"]}, "case_id"),
            (
                {"case_id": case["id"], "deadline": (clock.now() - timedelta(hours=1)).isoformat()},
                "deadline",
            ),
            (
                {
                    "case_id": case["id"],
                    "deadline": (clock.now() + timedelta(days=1)).isoformat(),
                    "within_days": 1,
                },
                "deadline",
            ),
            ({"case_id": case["id"], "text": "   "}, "text"),
        ]
        for body, field in cases:
            r = instruct(app_client, **body)
            assert r.status_code == 422, (body, r.text)
            assert field in [e["field"] for e in r.json()["error"]["errors"]], (body, r.text)
        assert "instruct" not in timeline_actions(app_client, case["id"])

    def test_unknown_case(self, app_client: TestClient) -> None:
        assert instruct(app_client, case_id=999_999_999).status_code == 404


class TestLeaderList:
    def test_a_leader_lists_their_own_with_task_states(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client)
        mine = created(app_client, "mayor", case_id=case["id"], units=["DEP04"])
        theirs = created(app_client, case_id=case["id"], units=["DEP05"])
        r = app_client.get(
            "/api/v1/instructions", params={"page_size": 200}, headers=auth(app_client, "mayor")
        )
        assert r.status_code == 200
        listed = {i["id"]: i for i in r.json()["items"]}
        assert mine["id"] in listed
        assert theirs["id"] not in listed
        assert listed[mine["id"]]["tasks"][0]["state"] == "open"
        everyone = app_client.get(
            "/api/v1/instructions",
            params={"mine": False, "page_size": 200},
            headers=auth(app_client, "mayor"),
        ).json()
        assert {mine["id"], theirs["id"]} <= {i["id"] for i in everyone["items"]}

    def test_instructions_on_a_case(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client)
        one = created(app_client, case_id=case["id"], units=["DEP06"])
        r = app_client.get(
            "/api/v1/instructions",
            params={"case_id": case["id"]},
            headers=auth(app_client, "dep01.handler"),
        )
        assert r.status_code == 200
        assert [i["id"] for i in r.json()["items"]] == [one["id"]]

    def test_filter_by_state(self, app_client: TestClient) -> None:
        one = created(app_client, subject_ref="按状态筛选", units=["DEP07"])
        task = one["tasks"][0]
        open_ids = {
            i["id"]
            for i in app_client.get(
                "/api/v1/instructions",
                params={"state": "open", "page_size": 200},
                headers=auth(app_client, "secretary"),
            ).json()["items"]
        }
        assert one["id"] in open_ids
        r = app_client.post(
            f"/api/v1/instruction-tasks/{task['id']}/complete",
            json={"result": "已办结"},
            headers=auth(app_client, "dep07.head"),
        )
        assert r.status_code == 200, r.text
        done_ids = {
            i["id"]
            for i in app_client.get(
                "/api/v1/instructions",
                params={"state": "done", "page_size": 200},
                headers=auth(app_client, "secretary"),
            ).json()["items"]
        }
        assert one["id"] in done_ids

    def test_unit_staff_read_only_instructions_with_their_task(
        self, app_client: TestClient
    ) -> None:
        one = created(app_client, subject_ref="范围测试", units=["DEP08"])
        assert (
            app_client.get(
                f"/api/v1/instructions/{one['id']}", headers=auth(app_client, "dep08.handler")
            ).status_code
            == 200
        )
        assert (
            app_client.get(
                f"/api/v1/instructions/{one['id']}", headers=auth(app_client, "dep09.handler")
            ).status_code
            == 404
        )
        listed = app_client.get(
            "/api/v1/instructions",
            params={"page_size": 200},
            headers=auth(app_client, "dep09.handler"),
        ).json()
        assert one["id"] not in {i["id"] for i in listed["items"]}


class TestCompleteTask:
    def test_the_unit_reports_and_the_clock_stops(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client)
        body = created(app_client, case_id=case["id"])
        task = task_for(body, "DEP01")
        todo = app_client.get(
            "/api/v1/instruction-tasks",
            params={"status": "open", "page_size": 200},
            headers=auth(app_client, "dep01.handler"),
        ).json()
        listed = {t["id"]: t for t in todo["items"]}
        assert task["id"] in listed
        assert {t["unit"] for t in todo["items"]} == {"DEP01"}
        assert listed[task["id"]]["instruction"]["text"] == body["text"]
        r = app_client.post(
            f"/api/v1/instruction-tasks/{task['id']}/complete",
            json={"result": "已约见群众，清运方案已落实。"},
            headers=auth(app_client, "dep01.handler"),
        )
        assert r.status_code == 200, r.text
        done = r.json()
        assert done["state"] == "done"
        assert done["done_by"]["username"] == "dep01.handler"
        assert done["clock"]["state"] == "met"
        assert done["clock"]["time_left"] is None
        seen = app_client.get(
            f"/api/v1/instructions/{body['id']}", headers=auth(app_client, "secretary")
        ).json()
        assert task_for(seen, "DEP01")["state"] == "done"
        assert task_for(seen, "DEP02")["state"] == "open"
        assert seen["summary"]["done"] == 1
        assert "instruction_done" in timeline_actions(app_client, case["id"])

    def test_twice_is_a_conflict(self, app_client: TestClient) -> None:
        task = created(app_client, subject_ref="重复办结", units=["DEP10"])["tasks"][0]
        url = f"/api/v1/instruction-tasks/{task['id']}/complete"
        assert (
            app_client.post(
                url, json={"result": "好"}, headers=auth(app_client, "dep10.head")
            ).status_code
            == 200
        )
        r = app_client.post(url, json={"result": "再次"}, headers=auth(app_client, "dep10.head"))
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "task_done"

    def test_only_the_named_unit(self, app_client: TestClient) -> None:
        task = created(app_client, subject_ref="权限", units=["DEP11"])["tasks"][0]
        url = f"/api/v1/instruction-tasks/{task['id']}/complete"
        assert (
            app_client.post(
                url, json={"result": "x"}, headers=auth(app_client, "dep12.handler")
            ).status_code
            == 404
        )
        assert (
            app_client.post(
                url, json={"result": "x"}, headers=auth(app_client, "secretary")
            ).status_code
            == 403
        )
        assert app_client.post(url, json={"result": "x"}).status_code == 401
        assert (
            app_client.post(
                url, json={"result": ""}, headers=auth(app_client, "dep11.head")
            ).status_code
            == 422
        )
        seen = app_client.get(
            f"/api/v1/instructions/{task['instruction_id']}", headers=auth(app_client, "secretary")
        ).json()
        assert seen["tasks"][0]["state"] == "open"
