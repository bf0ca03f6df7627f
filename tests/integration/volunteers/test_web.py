"""The volunteers through the API and the pages, on both databases: a resident registers on the
portal, community staff approve, the volunteer signs in with code and four digits and reports,
staff verify, and the points show on the volunteer's page and (masked) on the public ranking."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from factories import auth, unique_phone
from minyi.triage.jobs import triage_queue_job
from webclient import browser, csrf_of, signed_in


def _triage(client: TestClient) -> None:
    """Triage's queue, drained as the worker would (only that job: the shared database's other
    clocks belong to other tests)."""
    state = client.app.state.minyi  # type: ignore[attr-defined]
    while True:
        with state.db.unit_of_work() as session:
            done = triage_queue_job(
                session,
                now=state.clock.now(),
                options=state.settings.triage,
                data_dir=state.settings.data_dir,
            )
        if not done:
            return


def _approved(client: TestClient, community: str = "S01C01") -> tuple[int, str, str]:
    phone = unique_phone()
    r = client.post(
        "/api/v1/volunteers",
        json={"name": "陈守望", "phone": phone, "community": community},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "approved" and body["created"]
    return body["id"], body["code"], phone


class TestApi:
    def test_public_registration_approval_and_privacy(self, app_client: TestClient) -> None:
        phone = unique_phone()
        r = app_client.post(
            "/api/v1/volunteers", json={"name": "周望", "phone": phone, "community": "S01C02"}
        )
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["status"] == "pending" and re.fullmatch(r"[1-9][0-9]{7}", made["code"])
        again = app_client.post(
            "/api/v1/volunteers", json={"name": "周望", "phone": phone, "community": "S01C02"}
        ).json()
        assert (again["created"], again["code"], again["id"]) == (False, None, 0)
        bad = app_client.post(
            "/api/v1/volunteers", json={"name": "周望", "phone": "123", "community": "S01C02"}
        )
        assert bad.status_code == 422
        # The street's staff read the phone in clear and approve; a leader reads it masked.
        street = app_client.get(
            "/api/v1/volunteers",
            params={"status": "pending"},
            headers=auth(app_client, "s01.staff"),
        ).json()
        row = next(v for v in street["items"] if v["id"] == made["id"])
        assert (row["name"], row["phone"]) == ("周望", phone)
        leader = app_client.get(
            f"/api/v1/volunteers/{made['id']}", headers=auth(app_client, "leader03")
        ).json()
        assert leader["name"] == "周*" and leader["phone"] == phone[:3] + "****" + phone[-4:]
        assert (
            app_client.post(
                f"/api/v1/volunteers/{made['id']}/decision",
                json={"decision": "approve"},
                headers=auth(app_client, "s02.staff"),
            ).status_code
            == 404
        )
        ok = app_client.post(
            f"/api/v1/volunteers/{made['id']}/decision",
            json={"decision": "approve"},
            headers=auth(app_client, "s01c02.staff"),
        )
        assert ok.status_code == 200 and ok.json()["status"] == "approved"

    def test_a_report_by_code_and_four_digits_becomes_a_case(self, app_client: TestClient) -> None:
        _, code, phone = _approved(app_client)
        token = uuid.uuid4().hex
        payload = {
            "code": code,
            "phone_last4": phone[-4:],
            "token": token,
            "body": f"滨江路井盖缺失{token}",
        }
        r = app_client.post("/api/v1/volunteers/reports", json=payload)
        assert r.status_code == 201, r.text
        first = r.json()
        assert first["state"] == "submitted" and first["tracking_no"]
        again = app_client.post("/api/v1/volunteers/reports", json=payload).json()
        assert (again["id"], again["tracking_no"], again["created"]) == (
            first["id"],
            first["tracking_no"],
            False,
        )
        wrong = "0000" if phone[-4:] != "0000" else "1111"
        assert (
            app_client.post(
                "/api/v1/volunteers/reports", json=payload | {"phone_last4": wrong}
            ).status_code
            == 404
        )

    def test_rules_are_the_administrators(self, app_client: TestClient) -> None:
        rules = app_client.get("/api/v1/volunteers/rules", headers=auth(app_client, "admin"))
        kinds = {(r["kind"], r["class_name"]) for r in rules.json()}
        assert {("verified", None), ("closed", None)} <= kinds
        body = {"kind": "closed", "class_name": "心理服务", "points": 8}
        assert (
            app_client.put(
                "/api/v1/volunteers/rules", json=body, headers=auth(app_client, "s01.staff")
            ).status_code
            == 403
        )
        r = app_client.put("/api/v1/volunteers/rules", json=body, headers=auth(app_client, "admin"))
        assert r.status_code == 200 and r.json()["points"] == 8


class TestPages:
    def test_portal_journey_and_console_verification(self, app_client: TestClient) -> None:
        resident = browser(app_client)
        phone = unique_phone()
        r = resident.post(
            "/portal/volunteers/register",
            data={
                "csrf_token": csrf_of(resident, "/portal/volunteers/register"),
                "name": "吴安",
                "phone": phone,
                "community": "S01C01",
            },
        )
        assert r.status_code == 200 and "申请已提交" in r.text
        found = re.search(r'id="volunteer-code">(\d+)<', r.text)
        assert found
        code = found.group(1)
        # Not approved yet: the sign-in says no, as it does for a wrong number.
        r = resident.post(
            "/portal/volunteers/sign-in",
            data={
                "csrf_token": csrf_of(resident, "/portal/volunteers/sign-in"),
                "code": code,
                "phone_last4": phone[-4:],
            },
        )
        assert r.status_code == 404
        staff = signed_in(app_client, "s01c01.staff")
        page = staff.get("/console/volunteers?status=pending")
        assert page.status_code == 200 and "吴安" in page.text
        vid = re.search(rf'data-volunteer="(\d+)"><td>{code}<', page.text)
        assert vid
        r = staff.post(
            f"/console/volunteers/{vid.group(1)}/decision",
            data={"csrf_token": csrf_of(staff, "/console/volunteers"), "decision": "approve"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        r = resident.post(
            "/portal/volunteers/sign-in",
            data={
                "csrf_token": csrf_of(resident, "/portal/volunteers/sign-in"),
                "code": code,
                "phone_last4": phone[-4:],
            },
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/portal/volunteers/report"
        form = resident.get("/portal/volunteers/report").text
        token = re.search(r'name="form_token" value="([0-9a-f]+)"', form)
        assert token
        r = resident.post(
            "/portal/volunteers/report",
            data={
                "csrf_token": csrf_of(resident, "/portal/volunteers/report"),
                "form_token": token.group(1),
                "title": "楼道堆放杂物",
                "body": f"幸福里小区楼道堆放杂物占用消防通道{uuid.uuid4().hex}",
                "address": "幸福里小区",
            },
        )
        assert r.status_code == 200 and "上报成功" in r.text
        # A stranger's cookie is no cookie.
        stranger = browser(app_client)
        stranger.cookies.set("minyi_volunteer", "1.9999999999.deadbeef")
        assert stranger.get("/portal/volunteers/me", follow_redirects=False).status_code == 303
        _triage(app_client)
        reports = staff.get("/console/volunteers/reports").text
        rid = re.search(r'data-report="(\d+)">\s*<p><strong>楼道堆放杂物', reports)
        assert rid
        r = staff.post(
            f"/console/volunteers/reports/{rid.group(1)}/verify",
            data={
                "csrf_token": csrf_of(staff, "/console/volunteers/reports"),
                "verified": "yes",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        mine = resident.get("/portal/volunteers/me").text
        assert 'id="my-balance">10<' in mine
        ranking = browser(app_client).get("/portal/volunteers/ranking?area=S01C01").text
        assert "吴*" in ranking and "吴安" not in ranking

    def test_console_pages_open_for_their_readers(self, app_client: TestClient) -> None:
        admin = signed_in(app_client, "admin")
        for path in (
            "/console/volunteers",
            "/console/volunteers/reports?state=all",
            "/console/volunteers/rules",
            "/console/volunteers/ledger",
            "/console/volunteers/ranking?area=S01",
        ):
            assert admin.get(path).status_code == 200, path
        assert signed_in(app_client, "dep01.handler").get("/console/volunteers").status_code == 403
