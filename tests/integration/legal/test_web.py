"""The legal pages without a browser, on both databases: the clerk records pre-petition advice on
a walk-in from the case page and the citizen's choice, shown on the case page and its timeline;
bad input answers a Chinese page and changes nothing; the panel is absent on a hotline case; the
desk's figures for a reader who may not read any consultation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import make_appeal
from webclient import csrf_of, signed_in


def test_case_page_advice_and_choice(app_client: TestClient) -> None:
    appeal = make_appeal(app_client, channel="letter")
    page = f"/console/cases/{appeal['id']}"
    clerk = signed_in(app_client, "clerk")
    before = clerk.get(page).text
    assert "记录访前法律意见" in before
    bad = clerk.post(
        f"{page}/legal-advice",
        data={"csrf_token": csrf_of(clerk, page), "route": "moon", "advice": "x"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "事项性质不正确" in bad.text
    assert 'data-route="' not in clerk.get(page).text
    made = clerk.post(
        f"{page}/legal-advice",
        data={
            "csrf_token": csrf_of(clerk, page),
            "route": "admin_review",
            "advice": "对区住建局的处罚决定不服，可在六十日内申请行政复议。",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    shown = clerk.get(page).text
    assert "属行政复议事项" in shown and "尚未选择" in shown
    advice_id = shown.split('action="/console/legal/advice/')[1].split("/")[0]
    chose = clerk.post(
        f"/console/legal/advice/{advice_id}/choice",
        data={"csrf_token": csrf_of(clerk, page), "choice": "legal_route"},
        follow_redirects=False,
    )
    assert chose.status_code == 303
    after = clerk.get(page).text
    assert "选择通过法律途径解决" in after
    hotline = make_appeal(app_client)
    assert "访前法律意见" not in clerk.get(f"/console/cases/{hotline['id']}").text


def test_desk_for_a_reader_without_records(app_client: TestClient) -> None:
    page = signed_in(app_client, "dep01.handler").get("/console/legal")
    assert page.status_code == 200
    assert "近30天法律服务情况" in page.text and "咨询记录" not in page.text
    refused = signed_in(app_client, "dep01.handler").get("/console/legal/referrals/999999")
    assert refused.status_code == 404
