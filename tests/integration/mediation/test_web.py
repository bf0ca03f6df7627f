"""The mediation pages as a mediator uses them, on both databases: the list with the form,
a dispute opened on a case, a session planned and held, an agreement recorded, its PDF, and the
timeline on the dispute's page; another street's mediator does not find it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from factories import make_appeal
from webclient import csrf_of, signed_in


def test_mediator_pages(app_client: TestClient) -> None:
    case = make_appeal(
        app_client, category="JF-01-01-01", title="楼上噪声", body="楼上夜间噪声扰民"
    )
    me = signed_in(app_client, "s01.mediator")
    page = me.get("/console/mediation")
    assert page.status_code == 200 and "登记纠纷" in page.text
    site = re.search(r'<option value="(\d+)" selected>', page.text)
    assert site, page.text
    csrf = csrf_of(me, "/console/mediation")
    bad = me.post(
        "/console/mediation",
        data={"csrf_token": csrf, "tracking_no": "NOPE", "site_id": site.group(1),
              "facts": "x", "matters": "y", "applicant_name": "甲", "respondent_name": "乙"},
    )  # fmt: skip
    assert bad.status_code == 422 and "没有找到该诉求编号" in bad.text
    r = me.post(
        "/console/mediation",
        data={
            "csrf_token": csrf,
            "tracking_no": case["tracking_no"],
            "site_id": site.group(1),
            "facts": "楼上住户夜间搬动家具",
            "matters": "夜间噪声",
            "applicant_name": ["张秀兰", ""],
            "applicant_phone": ["13800138000", ""],
            "respondent_name": ["刘强", "刘强之妻"],
            "respondent_phone": ["13900139000", ""],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    where = r.headers["location"].split("?")[0]
    dispute_id = int(where.rsplit("/", 1)[1])
    detail = me.get(r.headers["location"])
    assert (
        "纠纷已登记" in detail.text and "13900139000" in detail.text and "刘强之妻" in detail.text
    )
    csrf = csrf_of(me, where)
    r = me.post(f"{where}/sessions", data={"csrf_token": csrf, "starts_at": "2026-11-23T10:00"})
    assert r.status_code == 200 and "调解已安排" in r.text
    sid = re.search(r"/sessions/(\d+)/held", r.text).group(1)  # type: ignore[union-attr]
    parties = re.findall(r'name="party_ids" value="(\d+)"', r.text)
    r = me.post(
        f"{where}/sessions/{sid}/held",
        data={"csrf_token": csrf, "minutes": "双方到场协商", "party_ids": parties},
    )
    assert "调解会议已记录" in r.text
    r = me.post(
        f"{where}/outcome",
        data={"csrf_token": csrf, "outcome": "agreement", "term": ["晚十点后不搬动家具", ""],
              "term_due": ["", ""], "term_amount": ["", ""], "performance": "即日起履行"},
    )  # fmt: skip
    assert "调解结果已登记" in r.text, r.text
    agreement = re.search(r"/console/mediation/agreements/(\d+)\.pdf", r.text).group(1)  # type: ignore[union-attr]
    pdf = me.get(f"/console/mediation/agreements/{agreement}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "达成调解协议" in r.text and "召开调解会议" in r.text
    other = signed_in(app_client, "s02.mediator")
    assert other.get(f"/console/mediation/{dispute_id}").status_code == 404
