"""Relief through the API on both databases: a window registers an application (its case,
service relief), the community, the street and the bureau review it in order (out-of-order and
foreign reviewers refused), the bureau approves with an amount and pays, the follow-up visit;
bad input is a 4xx that changes nothing; the figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from conftest import START
from factories import auth, unique_phone

API = "/api/v1/relief/applications"


def _apply(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "李桂兰",
        "phone": unique_phone(),
        "address": "福安花园2栋1203",
        "community": "S01C01",
        "kind": "elderly",
        "members": 2,
        "income": "1200",
        "request": "独居老人，行动不便，申请困难老人帮扶",
        "documents": ["身份证复印件"],
    } | overrides
    r = client.post(API, json=body, headers=auth(client, "s01c01.staff"))
    assert r.status_code == 201, r.text
    return r.json()


def _review(client: TestClient, app_id: int, user: str, **body: Any) -> Any:
    return client.post(f"{API}/{app_id}/review", json=body, headers=auth(client, user))


def test_the_whole_journey(app_client: TestClient) -> None:
    c = app_client
    app = _apply(c)
    assert (
        app["status"] == "community" and app["tracking_no"] and app["kind_label"] == "困难老人帮扶"
    )
    assert app["steps"] == ["approve", "return", "refuse"]
    assert _review(c, app["id"], "s01.staff", step="approve").status_code == 409
    assert _review(c, app["id"], "s02c01.staff", step="approve").status_code == 404
    r = _review(c, app["id"], "s01c01.staff", step="approve")
    assert r.status_code == 200 and r.json()["status"] == "street"
    r = _review(c, app["id"], "s01.staff", step="approve")
    assert r.json()["status_label"] == "待民政局审批"
    r = _review(c, app["id"], "dep10.head", step="approve")
    assert r.status_code == 422 and "金额" in r.json()["error"]["message"]
    r = _review(c, app["id"], "dep10.head", step="approve", amount="800")
    assert r.json()["approved_amount"] == "800.00"
    day = START.date().isoformat()
    pay = {"amount": "800", "paid_on": day, "method": "bank"}
    assert c.post(
        f"{API}/{app['id']}/payment", json=pay, headers=auth(c, "s01.staff")
    ).status_code in (403, 404)
    r = c.post(f"{API}/{app['id']}/payment", json=pay, headers=auth(c, "dep10.handler"))
    assert r.status_code == 200, r.text
    assert r.json()["payment"]["method_label"] == "银行转账"
    r = c.post(
        f"{API}/{app['id']}/follow-up",
        json={"visited_on": day, "notes": "已到账，老人生活有改善"},
        headers=auth(c, "dep10.handler"),
    )
    assert r.status_code == 200 and r.json()["status"] == "followed_up"
    assert [x["stage_label"] for x in r.json()["reviews"]] == ["社区审核", "街道审核", "民政局审批"]
    case = c.get(f"/api/v1/appeals/{app['case_id']}", headers=auth(c, "dep10.handler"))
    assert case.status_code == 200
    assert case.json()["status"] in ("replied", "reply_pending")
    figures = c.get(
        "/api/v1/relief/figures",
        params={
            "since": (START - timedelta(days=1)).isoformat(),
            "until": (START + timedelta(days=30)).isoformat(),
        },
        headers=auth(c, "supervisor"),
    )
    assert figures.status_code == 200 and figures.json()["figures"]["批准数"] >= 1


def test_bad_input_is_refused_and_changes_nothing(app_client: TestClient) -> None:
    c = app_client
    h = auth(c, "s01c01.staff")
    before = c.get(API, headers=h).json()["total"]
    for bad in (
        {"kind": "x"},
        {"id_number": "123"},
        {"community": "NOPE"},
        {"requested_amount": "abc"},
        {"members": 0},
        {"extra": 1},
    ):
        body = {
            "name": "张三",
            "phone": unique_phone(),
            "address": "某路1号",
            "community": "S01C01",
            "kind": "other",
            "request": "困难",
        } | bad
        r = c.post(API, json=body, headers=h)
        assert r.status_code == 422, (bad, r.text)
    assert c.get(API, headers=h).json()["total"] == before
    assert c.post(API, json={}, headers=auth(c, "dep01.head")).status_code == 422
    app = _apply(c)
    assert _review(c, app["id"], "s01c01.staff", step="refuse").status_code == 422
    assert _review(c, app["id"], "s01c01.staff", step="pay").status_code == 422
    r = c.post(f"{API}/{app['id']}/resubmit", json={"documents": ["x"]}, headers=h)
    assert r.status_code == 409
    # Readers outside the relief scope see nothing.
    assert c.get(API, headers=auth(c, "dep01.handler")).json()["total"] == 0
    assert c.get(f"{API}/{app['id']}", headers=auth(c, "dep01.handler")).status_code == 404
    bad_period = c.get(
        "/api/v1/relief/figures",
        params={"since": START.isoformat(), "until": (START - timedelta(days=1)).isoformat()},
        headers=auth(c, "supervisor"),
    )
    assert bad_period.status_code == 422
