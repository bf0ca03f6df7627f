"""Joint meetings on both databases: plan a meeting, put hard cases on its agenda in order,
record a decision whose tasks land in each unit's to-do list with a clock, the case's timeline,
refusals that change nothing, and the minutes (.docx) read back."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from docx import Document
from fastapi.testclient import TestClient

from factories import auth, make_dispatched
from minyi.core.clock import ManualClock


def plan(client: TestClient, clock: ManualClock, user: str = "dispatcher", **body: Any) -> Any:
    body.setdefault("level", "district")
    body.setdefault("title", "疑难信访事项专题会议")
    body.setdefault("starts_at", (clock.now() - timedelta(hours=1)).isoformat())
    body.setdefault("place", "区信联办三楼会议室")
    body.setdefault("convener", "secretary")
    body.setdefault("units", ["DEP01", "DEP02", "S01"])
    return client.post("/api/v1/meetings", json=body, headers=auth(client, user))


def planned(client: TestClient, clock: ManualClock, user: str = "dispatcher", **body: Any) -> dict:
    r = plan(client, clock, user, **body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def hard_case(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """A crowd matter (涉众), which makes it a candidate."""
    overrides.setdefault("crowd_size", 12)
    overrides.setdefault("title", "小区加装电梯多户意见不一")
    return make_dispatched(client, "DEP01", ["DEP02"], **overrides)


def add(client: TestClient, meeting_id: int, case_id: int, user: str = "dispatcher") -> Any:
    return client.post(
        f"/api/v1/meetings/{meeting_id}/items",
        json={"case_id": case_id},
        headers=auth(client, user),
    )


def decide(
    client: TestClient, meeting_id: int, item_id: int, body: dict, user: str = "dispatcher"
) -> Any:
    return client.post(
        f"/api/v1/meetings/{meeting_id}/items/{item_id}/decision",
        json=body,
        headers=auth(client, user),
    )


def timeline(client: TestClient, case_id: int) -> list[dict]:
    r = client.get(f"/api/v1/appeals/{case_id}/timeline", headers=auth(client, "supervisor"))
    assert r.status_code == 200, r.text
    return list(r.json())


class TestPlan:
    def test_a_district_meeting_with_its_members_and_convener(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        m = planned(app_client, clock)
        assert (m["level"], m["level_label"], m["status"]) == (
            "district",
            "区信联办联席会议",
            "planned",
        )
        assert [u["code"] for u in m["members"]] == ["DEP01", "DEP02", "S01"]
        assert m["convener"]["username"] == "secretary"
        assert m["items"] == []

    def test_a_street_plans_only_its_own_meeting(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        m = planned(app_client, clock, "s01.staff", level="street", units=["S01C01", "DEP02"])
        assert (m["street"], m["level"]) == ("S01", "street")
        assert m["level_label"].endswith("街道信访工作联席会议")
        r = plan(app_client, clock, "s01.staff", level="street", street="S02", units=["DEP02"])
        assert r.status_code == 403
        assert plan(app_client, clock, "dep01.head").status_code == 403

    def test_bad_input_is_refused_with_the_field_and_nothing_made(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        before = app_client.get("/api/v1/meetings", headers=auth(app_client, "admin")).json()[
            "total"
        ]
        for body, field in (
            ({"units": []}, "units"),
            ({"units": ["NOPE"]}, "units"),
            ({"units": ["DEP01", "DEP01"]}, "units"),
            ({"convener": "nobody"}, "convener"),
            ({"convener": "dep01.handler"}, "convener"),
            ({"place": "  "}, "place"),
            ({"level": "street", "street": "DEP01"}, "street"),
            ({"starts_at": (clock.now() + timedelta(days=800)).isoformat()}, "starts_at"),
        ):
            r = plan(app_client, clock, **body)
            assert r.status_code == 422, (body, r.text)
            error = r.json()["error"]
            assert error.get("field") == field or field in r.text, (body, r.text)
        after = app_client.get("/api/v1/meetings", headers=auth(app_client, "admin")).json()[
            "total"
        ]
        assert after == before


class TestAgenda:
    def test_hard_cases_are_offered_and_ordered(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        m = planned(app_client, clock)
        first, second = hard_case(app_client), hard_case(app_client)
        offered = app_client.get(
            f"/api/v1/meetings/{m['id']}/candidates",
            params={"limit": 200},
            headers=auth(app_client, "dispatcher"),
        ).json()
        by_id = {c["case_id"]: c for c in offered}
        assert "crowd" in by_id[first["id"]]["tags"]
        assert "涉众" in by_id[first["id"]]["reasons"]
        assert add(app_client, m["id"], first["id"]).status_code == 201
        body = add(app_client, m["id"], second["id"]).json()
        assert [i["case_id"] for i in body["items"]] == [first["id"], second["id"]]
        again = add(app_client, m["id"], first["id"])
        assert again.status_code == 409
        item = body["items"][1]["id"]
        moved = app_client.post(
            f"/api/v1/meetings/{m['id']}/items/{item}/move",
            json={"position": 1},
            headers=auth(app_client, "dispatcher"),
        ).json()
        assert [i["case_id"] for i in moved["items"]] == [second["id"], first["id"]]
        assert [i["number"] for i in moved["items"]] == [1, 2]
        offered = app_client.get(
            f"/api/v1/meetings/{m['id']}/candidates",
            params={"limit": 200},
            headers=auth(app_client, "dispatcher"),
        ).json()
        assert first["id"] not in {c["case_id"] for c in offered}
        assert "meeting_agenda" in [e["action"] for e in timeline(app_client, first["id"])]

    def test_a_street_meeting_takes_only_its_street_cases(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        m = planned(app_client, clock, "s01.staff", level="street", units=["S01C01", "DEP01"])
        other = hard_case(app_client, street="S02")
        r = add(app_client, m["id"], other["id"], "dispatcher")
        assert r.status_code == 422
        assert "不在本街道" in r.json()["error"]["message"]


class TestDecision:
    def test_tasks_land_in_the_units_to_do_list_with_a_clock(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        m = planned(app_client, clock)
        case = hard_case(app_client)
        item = add(app_client, m["id"], case["id"]).json()["items"][0]["id"]
        due = (clock.now() + timedelta(days=5)).isoformat()
        body = {
            "decision": "由区住建局牵头，城管局配合，十日内拿出加装电梯协调方案。",
            "tasks": [
                {"unit": "DEP01", "text": "牵头制定协调方案并入户沟通", "deadline": due},
                {"unit": "DEP02", "text": "配合清理施工场地", "deadline": due},
            ],
        }
        out = decide(app_client, m["id"], item, body)
        assert out.status_code == 200, out.text
        m2 = out.json()
        assert m2["status"] == "held"
        tasks = m2["items"][0]["tasks"]
        assert [(t["unit"], t["state"], t["clock_state"]) for t in tasks] == [
            ("DEP01", "open", "running"),
            ("DEP02", "open", "running"),
        ]
        # The unit's own to-do list (the supervision tasks every unit answers).
        mine = app_client.get(
            "/api/v1/instruction-tasks",
            params={"unit": "DEP01", "page_size": 100},
            headers=auth(app_client, "dep01.handler"),
        )
        assert mine.status_code == 200, mine.text
        listed = [t for t in _items(mine.json()) if t["id"] == tasks[0]["id"]]
        assert listed, mine.text
        assert "牵头制定协调方案" in str(listed[0])
        # The same decision again is harmless; a different one is refused.
        again = decide(app_client, m["id"], item, body)
        assert again.status_code == 200
        assert len(again.json()["items"][0]["tasks"]) == 2
        other = decide(app_client, m["id"], item, {"decision": "另议"})
        assert other.status_code == 409
        events = [e for e in timeline(app_client, case["id"]) if e["action"] == "meeting_decision"]
        assert len(events) == 1

    def test_the_unit_completes_its_task(self, app_client: TestClient, clock: ManualClock) -> None:
        m = planned(app_client, clock)
        case = hard_case(app_client)
        item = add(app_client, m["id"], case["id"]).json()["items"][0]["id"]
        due = (clock.now() + timedelta(days=2)).isoformat()
        out = decide(
            app_client,
            m["id"],
            item,
            {
                "decision": "住建局办理",
                "tasks": [{"unit": "DEP01", "text": "入户", "deadline": due}],
            },
        ).json()
        task_id = out["items"][0]["tasks"][0]["id"]
        r = app_client.post(
            f"/api/v1/instruction-tasks/{task_id}/complete",
            json={"result": "已入户沟通"},
            headers=auth(app_client, "dep01.handler"),
        )
        assert r.status_code == 200, r.text
        shown = app_client.get(
            f"/api/v1/meetings/{m['id']}", headers=auth(app_client, "dispatcher")
        )
        assert shown.json()["items"][0]["tasks"][0]["state"] == "done"

    def test_refusals_change_nothing(self, app_client: TestClient, clock: ManualClock) -> None:
        m = planned(app_client, clock)
        case = hard_case(app_client)
        item = add(app_client, m["id"], case["id"]).json()["items"][0]["id"]
        due = (clock.now() + timedelta(days=2)).isoformat()
        past = (clock.now() - timedelta(days=1)).isoformat()
        for body in (
            {"decision": ""},
            {"decision": "x", "tasks": [{"unit": "DEP09", "text": "非成员", "deadline": due}]},
            {"decision": "x", "tasks": [{"unit": "DEP01", "text": "", "deadline": due}]},
            {"decision": "x", "tasks": [{"unit": "DEP01", "text": "过期", "deadline": past}]},
        ):
            r = decide(app_client, m["id"], item, body)
            assert r.status_code == 422, (body, r.text)
        assert decide(app_client, m["id"], item, {"decision": "x"}, "dep01.head").status_code in (
            403,
            404,
        )
        shown = app_client.get(
            f"/api/v1/meetings/{m['id']}", headers=auth(app_client, "dispatcher")
        )
        assert shown.json()["items"][0]["decision"] is None
        assert shown.json()["status"] == "planned"

    def test_no_decision_before_the_meeting_starts(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        m = planned(app_client, clock, starts_at=(clock.now() + timedelta(days=3)).isoformat())
        case = hard_case(app_client)
        item = add(app_client, m["id"], case["id"]).json()["items"][0]["id"]
        r = decide(app_client, m["id"], item, {"decision": "提前议定"})
        assert r.status_code == 422
        assert "尚未开始" in r.json()["error"]["message"]


class TestVisibility:
    def test_members_read_it_others_do_not(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        m = planned(app_client, clock, units=["DEP03"])
        path = f"/api/v1/meetings/{m['id']}"
        assert app_client.get(path, headers=auth(app_client, "dep03.handler")).status_code == 200
        assert app_client.get(path, headers=auth(app_client, "dep04.handler")).status_code == 404
        listed = app_client.get(
            "/api/v1/meetings", params={"page_size": 200}, headers=auth(app_client, "dep04.handler")
        ).json()
        assert m["id"] not in {r["id"] for r in listed["items"]}


class TestMinutes:
    def test_the_minutes_read_back(self, app_client: TestClient, clock: ManualClock) -> None:
        m = planned(app_client, clock)
        case = hard_case(app_client)
        item = add(app_client, m["id"], case["id"]).json()["items"][0]["id"]
        due = clock.now() + timedelta(days=5)
        decide(
            app_client,
            m["id"],
            item,
            {
                "decision": "住建局牵头协调",
                "tasks": [{"unit": "DEP01", "text": "制定方案", "deadline": due.isoformat()}],
            },
        )
        r = app_client.get(
            f"/api/v1/meetings/{m['id']}/minutes.docx", headers=auth(app_client, "dispatcher")
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        doc = Document(io.BytesIO(r.content))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert text.startswith("区信联办联席会议纪要")
        for expected in (
            "时间：",
            "地点：区信联办三楼会议室",
            "参会单位：",
            "会议议定：住建局牵头协调",
        ):
            assert expected in text, text
        cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
        assert cells[0] == ["责任单位", "任务", "办理时限"]
        assert cells[1][0] == "区住房和建设局" and cells[1][1] == "制定方案"


def _items(body: Any) -> list[dict]:
    return list(body["items"] if isinstance(body, dict) else body)
