"""Service markets through the API, the pages and the CLI on both databases: planning, a stall
registering a matter (a double submit is the same case), solving one on the spot, answering a
policy question, refusals that change nothing, the summary page and its PDF."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cli_harness import minyi_env, run_cli
from factories import auth
from webclient import csrf_of, signed_in

PHONE = "13712345678"


def _plan(client: TestClient, user: str = "s01.staff", **over: Any) -> Any:
    now = client.app.state.minyi.clock.now()  # type: ignore[attr-defined]
    body = {
        "title": "党群服务赶圩日",
        "place": "第三社区广场",
        "area": "S01C03",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        "themes": ["opinions", "policy"],
        "stalls": [
            {"unit": "DEP05", "staff": ["dep05.handler"]},
            {"unit": "S01", "staff": ["s01.staff"], "themes": ["petitions"]},
        ],
    } | over
    return client.post("/api/v1/markets", json=body, headers=auth(client, user))


def _market(client: TestClient) -> dict[str, Any]:
    r = _plan(client)
    assert r.status_code == 201, r.text
    detail = client.get(f"/api/v1/markets/{r.json()['id']}", headers=auth(client, "s01.staff"))
    return dict(detail.json())


def _stall(market: dict[str, Any], unit: str) -> int:
    return int(next(s["id"] for s in market["stall_list"] if s["unit"] == unit))


class TestApi:
    def test_plan_register_solve_and_answer(self, app_client: TestClient) -> None:
        market = _market(app_client)
        assert market["phase"] == "under_way" and market["stalls"] == 2
        stall = _stall(market, "DEP05")
        h = auth(app_client, "dep05.handler")
        matter = {
            "external_id": uuid.uuid4().hex,
            "theme": "opinions",
            "body": "公园健身器材损坏",
            "phone": PHONE,
            "name": "周八",
        }
        first = app_client.post(f"/api/v1/markets/stalls/{stall}/matters", json=matter, headers=h)
        assert first.status_code == 201, first.text
        again = app_client.post(f"/api/v1/markets/stalls/{stall}/matters", json=matter, headers=h)
        assert again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["case_id"] == first.json()["case_id"]
        assert first.json()["outcome"] == "passed_on" and first.json()["tracking_no"]

        solved = app_client.post(
            f"/api/v1/markets/matters/{first.json()['id']}/solve",
            json={"reply": "已联系公园管理处当场更换"},
            headers=h,
        )
        assert solved.status_code == 200, solved.text
        assert solved.json()["outcome"] == "solved"
        assert solved.json()["status"] == "replied"

        spot = app_client.post(
            f"/api/v1/markets/stalls/{stall}/matters",
            json=matter | {"external_id": uuid.uuid4().hex, "solved": True, "reply": "当场答复"},
            headers=h,
        )
        assert spot.status_code == 201 and spot.json()["outcome"] == "solved"

        q = app_client.post(
            f"/api/v1/markets/stalls/{stall}/questions",
            json={
                "external_id": uuid.uuid4().hex,
                "question": "退休金怎么调整？",
                "answer": "按年度统一调整",
            },
            headers=h,
        )
        assert q.status_code == 201 and q.json()["case_id"] is None
        v = app_client.put(
            f"/api/v1/markets/stalls/{stall}/visitors", json={"visitors": 25}, headers=h
        )
        assert v.status_code == 200 and v.json()["visitors"] == 25

        after = app_client.get(
            f"/api/v1/markets/{market['id']}", headers=auth(app_client, "leader01")
        ).json()
        assert (after["opinions"], after["solved"], after["answered"]) == (3, 2, 1)
        assert after["visitors"] == 25
        assert "周八" not in json.dumps(after, ensure_ascii=False)
        listed = app_client.get(
            "/api/v1/markets",
            params={"when": "upcoming"},
            headers=auth(app_client, "dep05.handler"),
        ).json()
        assert market["id"] in {e["id"] for e in listed["items"]}

    def test_refusals_are_clear_and_change_nothing(self, app_client: TestClient) -> None:
        r = _plan(app_client, "dep05.handler")
        assert r.status_code == 403
        r = _plan(app_client, stalls=[{"unit": "DEP05", "staff": ["dep11.handler"]}])
        assert r.status_code == 422 and "不是" in r.json()["error"]["message"]
        market = _market(app_client)
        stall = _stall(market, "DEP05")
        other = app_client.post(
            f"/api/v1/markets/stalls/{stall}/matters",
            json={"external_id": "x1", "theme": "opinions", "body": "某事", "phone": PHONE},
            headers=auth(app_client, "dep11.handler"),
        )
        assert other.status_code == 403
        bad = app_client.post(
            f"/api/v1/markets/stalls/{stall}/matters",
            json={
                "external_id": "x2",
                "theme": "opinions",
                "body": "某事",
                "phone": PHONE,
                "solved": True,
            },
            headers=auth(app_client, "dep05.handler"),
        )
        assert bad.status_code == 422 and bad.json()["error"]["message"] == "现场办结须填写答复内容"
        after = app_client.get(
            f"/api/v1/markets/{market['id']}", headers=auth(app_client, "admin")
        ).json()
        assert after["opinions"] == 0

    def test_a_started_market_is_not_cancelled(self, app_client: TestClient) -> None:
        market = _market(app_client)
        r = app_client.post(
            f"/api/v1/markets/{market['id']}/cancel", headers=auth(app_client, "s01.staff")
        )
        assert r.status_code == 409


class TestPages:
    def test_the_stall_page_registers_and_solves(self, app_client: TestClient) -> None:
        market = _market(app_client)
        stall = _stall(market, "DEP05")
        web = signed_in(app_client, "dep05.handler")
        page = web.get(f"/console/markets/stalls/{stall}")
        assert page.status_code == 200
        token = re.search(r'name="token" value="([0-9a-f]+)"', page.text)
        assert token
        form = {
            "csrf_token": csrf_of(web, f"/console/markets/stalls/{stall}"),
            "token": token.group(1),
            "theme": "opinions",
            "body": "菜市场地面湿滑",
            "name": "吴九",
            "phone": PHONE,
            "outcome": "solved",
            "reply": "",
        }
        refused = web.post(f"/console/markets/stalls/{stall}/matters", data=form)
        assert refused.status_code == 422 and "现场办结须填写答复内容" in refused.text
        form["reply"] = "已通知市场管理方铺设防滑垫"
        for _ in range(2):  # a double submit is the same matter
            done = web.post(
                f"/console/markets/stalls/{stall}/matters", data=form, follow_redirects=False
            )
            assert done.status_code == 303
        detail = app_client.get(
            f"/api/v1/markets/{market['id']}", headers=auth(app_client, "admin")
        ).json()
        assert (detail["opinions"], detail["solved"]) == (1, 1)
        summary = web.get(f"/console/markets/{market['id']}/summary")
        assert summary.status_code == 200 and "现场办结1件" in summary.text
        pdf = web.get(f"/console/markets/{market['id']}/summary.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    def test_a_planner_plans_from_the_page(self, app_client: TestClient) -> None:
        web = signed_in(app_client, "s01.staff")
        page = web.get("/console/markets/new")
        assert page.status_code == 200
        staff_id = re.search(r'name="staff" value="(\d+)"', page.text)
        assert staff_id
        r = web.post(
            "/console/markets",
            data={
                "csrf_token": csrf_of(web, "/console/markets/new"),
                "title": "页面安排的赶圩日",
                "area": "S01C01",
                "place": "社区广场",
                "day": "2026-12-26",
                "start": "09:00",
                "end": "12:00",
                "themes": ["opinions", "legal"],
                "staff": [staff_id.group(1)],
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        shown = web.get(r.headers["location"])
        assert "页面安排的赶圩日" in shown.text and "待举办" in shown.text
        assert "页面安排的赶圩日" in web.get("/console/markets?when=upcoming").text


class TestCli:
    def test_list_plan_and_show(self, app_client: TestClient, tmp_path: Path) -> None:
        state = app_client.app.state.minyi  # type: ignore[attr-defined]
        env = minyi_env(state.db.url, tmp_path)
        plan = tmp_path / "market.json"
        plan.write_text(
            json.dumps(
                {
                    "title": "命令行赶圩日",
                    "place": "广场",
                    "area": "S01C02",
                    "starts_at": "2026-12-27T09:00:00+08:00",
                    "ends_at": "2026-12-27T12:00:00+08:00",
                    "themes": ["policy"],
                    "stalls": [{"unit": "DEP05", "staff": ["dep05.handler"]}],
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        made = run_cli(["markets", "plan", str(plan), "--as", "admin"], env=env, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        event_id = made.stdout.split()[-1]
        shown = run_cli(["markets", "show", event_id, "--json"], env=env, cwd=tmp_path)
        assert json.loads(shown.stdout)["title"] == "命令行赶圩日"
        listed = run_cli(["markets", "list", "--when", "upcoming"], env=env, cwd=tmp_path)
        assert "命令行赶圩日" in listed.stdout
        bad = run_cli(
            ["markets", "plan", str(plan), "--as", "dep05.handler"], env=env, cwd=tmp_path
        )
        assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
