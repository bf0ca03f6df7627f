"""The relief pages as their users use them, on both databases: a citizen applies on the portal
(a bad field shows the form again with what was typed, nothing registered), the confirmation
shows nothing personal; the community's staff find it waiting for them and approve it, a refusal
without a reason is shown on the page; readers outside relief are refused."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from factories import unique_phone
from webclient import browser, csrf_of, signed_in

FORM = "/services/relief/apply"


def _fields(client: TestClient, **overrides: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_of(client, FORM),
        "token": f"t{unique_phone()}",
        "kind": "housing",
        "name": "何玉珍",
        "phone": unique_phone(),
        "community": "S01C01",
        "address": "新村路8号4栋101",
        "members": "2",
        "request": "房屋漏雨严重，申请住房救助",
        "documents": "房屋照片",
    } | overrides


class TestReliefPages:
    def test_apply_on_the_portal_and_review_on_the_console(self, app_client: TestClient) -> None:
        citizen = browser(app_client)
        bad = citizen.post(FORM, data=_fields(citizen, id_number="123456"))
        assert bad.status_code == 422 and "身份证号码" in bad.text and "何玉珍" in bad.text
        fields = _fields(citizen)
        done = citizen.post(FORM, data=fields, follow_redirects=False)
        assert done.status_code == 303, done.text
        ref = done.headers["location"].rsplit("/", 1)[-1]
        again = citizen.post(
            FORM, data=fields | {"csrf_token": csrf_of(citizen, FORM)}, follow_redirects=False
        )
        assert again.headers["location"].endswith(ref)  # a resend answers the same application
        page = citizen.get(done.headers["location"]).text
        assert "待社区审核" in page and fields["phone"] not in page and "何玉珍" not in page

        staff = signed_in(app_client, "s01c01.staff")
        waiting = staff.get("/console/relief").text
        assert ref in waiting
        link = re.search(r'href="(/console/relief/\d+)">' + ref, waiting)
        assert link is not None
        detail = link.group(1)
        shown = staff.get(detail).text
        assert fields["phone"] in shown and "审核通过" in shown
        token = csrf_of(staff, detail)
        refused = staff.post(detail + "/review", data={"csrf_token": token, "step": "refuse"})
        assert refused.status_code == 422 and "请填写理由" in refused.text
        ok = staff.post(
            detail + "/review",
            data={"csrf_token": token, "step": "approve"},
            follow_redirects=False,
        )
        assert ok.status_code == 303
        assert "待街道审核" in staff.get(detail).text
        twice = staff.post(detail + "/review", data={"csrf_token": token, "step": "approve"})
        assert twice.status_code == 409 and "街道审核" in twice.text

        outsider = signed_in(app_client, "dep01.handler")
        assert outsider.get("/console/relief").status_code == 403
        assert outsider.get(detail).status_code == 403

    def test_a_window_registers_an_application(self, app_client: TestClient) -> None:
        staff = signed_in(app_client, "s01c01.staff")
        assert "代为登记申请" in staff.get("/console/relief").text
        form = _fields(staff) | {"csrf_token": csrf_of(staff, "/console/relief/new")}
        bad = staff.post("/console/relief/new", data=form | {"kind": ""})
        assert bad.status_code == 422 and "救助类别" in bad.text
        done = staff.post("/console/relief/new", data=form, follow_redirects=False)
        assert done.status_code == 303, done.text
        page = staff.get(done.headers["location"]).text
        assert form["phone"] in page and "待社区审核" in page
        handler = signed_in(app_client, "dep01.handler")
        assert handler.get("/console/relief/new").status_code == 403
