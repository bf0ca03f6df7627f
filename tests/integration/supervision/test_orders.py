"""Supervision orders (督办): issued by a supervisor on a case or a unit, answered by the unit,
closed by the supervisor; each with a clock and an entry on the case's timeline."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from factories import auth, make_appeal, make_dispatched


def issue(client: TestClient, user: str = "supervisor", **body: Any) -> Any:
    body.setdefault("reason", "该件临近办理时限，请加快办理并反馈进展。")
    body.setdefault("within_days", 2)
    return client.post("/api/v1/supervision-orders", json=body, headers=auth(client, user))


def issued(client: TestClient, **body: Any) -> dict[str, Any]:
    r = issue(client, **body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def timeline_actions(client: TestClient, case_id: int) -> list[str]:
    return [
        e["action"]
        for e in client.get(
            f"/api/v1/appeals/{case_id}/timeline", headers=auth(client, "supervisor")
        ).json()
    ]


class TestIssueOrder:
    def test_on_a_case_it_goes_to_the_lead_unit(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client, lead="DEP01")
        order = issued(app_client, case_id=case["id"])
        assert order["unit"] == "DEP01"
        assert order["status"] == "open"
        assert order["case_id"] == case["id"]
        assert order["clock"]["state"] == "running"
        assert order["clock"]["time_left"] == "剩余 2天"
        assert order["issued_by"]["username"] == "supervisor"
        assert "supervise" in timeline_actions(app_client, case["id"])

    def test_on_a_unit_alone(self, app_client: TestClient) -> None:
        order = issued(app_client, unit="DEP02", reason="你单位本周超期件较多，请集中清理。")
        assert order["unit"] == "DEP02"
        assert order["case_id"] is None

    def test_a_case_without_a_lead_unit_needs_one_named(self, app_client: TestClient) -> None:
        a = make_appeal(app_client)
        r = issue(app_client, case_id=a["id"])
        assert r.status_code == 422
        assert r.json()["error"]["errors"][0]["field"] == "unit"
        assert issued(app_client, case_id=a["id"], unit="S01")["unit"] == "S01"

    def test_only_supervisors(self, app_client: TestClient) -> None:
        for user in ("secretary", "dispatcher", "dep01.head"):
            assert issue(app_client, user, unit="DEP01").status_code == 403, user

    def test_bad_input(self, app_client: TestClient) -> None:
        assert issue(app_client).status_code == 422
        assert issue(app_client, unit="NOPE").status_code == 422
        assert issue(app_client, unit="DEP01", within_days=0).status_code == 422
        assert issue(app_client, case_id=999_999_999).status_code == 404


class TestRespondAndClose:
    def test_unit_responds_then_supervisor_closes(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client, lead="DEP03")
        order = issued(app_client, case_id=case["id"])
        mine = app_client.get(
            "/api/v1/supervision-orders",
            params={"page_size": 200},
            headers=auth(app_client, "dep03.handler"),
        ).json()
        assert order["id"] in {o["id"] for o in mine["items"]}
        assert {o["unit"] for o in mine["items"]} == {"DEP03"}
        r = app_client.post(
            f"/api/v1/supervision-orders/{order['id']}/respond",
            json={"response": "已安排专人跟进，明日答复群众。"},
            headers=auth(app_client, "dep03.handler"),
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "responded"
        assert r.json()["clock"]["state"] == "met"
        again = app_client.post(
            f"/api/v1/supervision-orders/{order['id']}/respond",
            json={"response": "再次"},
            headers=auth(app_client, "dep03.handler"),
        )
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "illegal_transition"
        r = app_client.post(
            f"/api/v1/supervision-orders/{order['id']}/close",
            json={"note": "反馈属实，予以办结。"},
            headers=auth(app_client, "supervisor"),
        )
        assert r.status_code == 200
        assert r.json()["status"] == "closed"
        assert r.json()["close_note"] == "反馈属实，予以办结。"
        assert (
            app_client.post(
                f"/api/v1/supervision-orders/{order['id']}/close",
                json={},
                headers=auth(app_client, "supervisor"),
            ).status_code
            == 409
        )
        actions = timeline_actions(app_client, case["id"])
        assert (
            actions.index("supervise")
            < actions.index("supervision_response")
            < actions.index("supervision_closed")
        )

    def test_only_the_unit_under_the_order_responds(self, app_client: TestClient) -> None:
        order = issued(app_client, unit="DEP04")
        url = f"/api/v1/supervision-orders/{order['id']}/respond"
        assert (
            app_client.post(
                url, json={"response": "x"}, headers=auth(app_client, "dep05.head")
            ).status_code
            == 404
        )
        assert (
            app_client.post(
                url, json={"response": "x"}, headers=auth(app_client, "supervisor")
            ).status_code
            == 403
        )
        assert (
            app_client.get(
                f"/api/v1/supervision-orders/{order['id']}", headers=auth(app_client, "dep05.head")
            ).status_code
            == 404
        )
        assert (
            app_client.get(
                f"/api/v1/supervision-orders/{order['id']}", headers=auth(app_client, "secretary")
            ).status_code
            == 200
        )

    def test_an_open_order_cannot_be_closed_and_units_cannot_close(
        self, app_client: TestClient
    ) -> None:
        order = issued(app_client, unit="DEP06")
        r = app_client.post(
            f"/api/v1/supervision-orders/{order['id']}/close",
            json={},
            headers=auth(app_client, "supervisor"),
        )
        assert r.status_code == 409
        assert r.json()["error"]["allowed_actions"] == ["respond"]
        assert (
            app_client.post(
                f"/api/v1/supervision-orders/{order['id']}/close",
                json={},
                headers=auth(app_client, "dep06.head"),
            ).status_code
            == 403
        )

    def test_filters(self, app_client: TestClient) -> None:
        order = issued(app_client, unit="DEP07")
        got = app_client.get(
            "/api/v1/supervision-orders",
            params={"unit": "DEP07", "status": "open", "page_size": 200},
            headers=auth(app_client, "supervisor"),
        ).json()
        assert order["id"] in {o["id"] for o in got["items"]}
        assert {o["unit"] for o in got["items"]} == {"DEP07"}
        assert {o["status"] for o in got["items"]} == {"open"}
