"""Mediation through the API on both databases: the street hall's mediator opens a neighbours'
dispute on a case, plans and holds a session, records an agreement, downloads the 协议书 (.docx
and PDF), files for judicial confirmation and records it confirmed; who reads the parties'
contacts; bad input refused with 4xx and nothing changed; the figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import START
from factories import auth, make_appeal, unique_phone
from minyi.core.db import Database
from minyi.org.models import Unit
from minyi.services.models import ServiceSite

M = "/api/v1/mediation"


def site_id(db: Database, code: str = "S01-SITE") -> int:
    with db.reading() as session:
        return int(
            session.scalar(
                select(ServiceSite.id)
                .join(Unit, Unit.id == ServiceSite.unit_id)
                .where(Unit.code == code)
            )
        )


def dispute_body(case_id: int, site: int, **overrides: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "site_id": site,
        "facts": "602卫生间漏水致502天花板发霉",
        "matters": "维修责任及损失赔偿",
        "parties": [
            {"side": "applicant", "name": "王秀英", "phone": unique_phone(), "address": "3栋502"},
            {"side": "respondent", "name": "李建国", "phone": unique_phone(), "address": "3栋602"},
        ],
    } | overrides


def test_dispute_through_the_api(app_client: TestClient, db: Database) -> None:
    c = app_client
    me = auth(c, "s01.mediator")
    case = make_appeal(c, category="JF-01-01-02", title="楼上漏水", body="楼上漏水，协商不成")
    site = site_id(db)
    # Bad input first: one side only (422), an unknown case (404); nothing is written.
    one_side = dispute_body(case["id"], site)
    one_side["parties"] = one_side["parties"][:1] * 2
    assert c.post(M, json=one_side, headers=me).status_code == 422
    assert (
        c.post(M, json=dispute_body(case["id"], site) | {"site_id": "x"}, headers=me).status_code
        == 422
    )
    assert c.post(M, json=dispute_body(10**15, site), headers=me).status_code == 404
    assert c.post(
        M, json=dispute_body(case["id"], site), headers=auth(c, "s02.mediator")
    ).status_code in (403, 404)
    r = c.post(M, json=dispute_body(case["id"], site), headers=me)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == "open" and d["contacts_in_clear"] is True
    assert c.post(M, json=dispute_body(case["id"], site), headers=me).status_code == 409

    # Who reads the contacts.
    phone = d["parties"][0]["phone"]
    assert (
        c.get(f"{M}/{d['id']}", headers=auth(c, "s01.staff")).json()["parties"][0]["phone"] == phone
    )
    masked = c.get(f"{M}/{d['id']}", headers=auth(c, "dispatcher")).json()["parties"][0]
    assert masked["phone"] != phone and "*" in masked["phone"]
    assert c.get(f"{M}/{d['id']}", headers=auth(c, "s02.mediator")).status_code == 404

    # An outcome before any session is refused.
    agreement = {
        "outcome": "agreement",
        "terms": [
            {"text": "李建国修复防水层", "due_on": "2026-11-30"},
            {"text": "李建国赔偿王秀英3000元", "amount": "3000.00"},
        ],
        "performance": "自行维修；转账一次付清",
    }
    assert c.post(f"{M}/{d['id']}/outcome", json=agreement, headers=me).status_code == 409
    at = (START + timedelta(days=1)).isoformat()
    r = c.post(f"{M}/{d['id']}/sessions", json={"starts_at": at}, headers=me)
    assert r.status_code == 201, r.text
    [s] = r.json()["sessions"]
    assert s["place"]  # the hall's 纠纷解决室 by default
    parties = [p["id"] for p in d["parties"]]
    r = c.post(
        f"{M}/sessions/{s['id']}/held",
        json={"minutes": "双方到场", "party_ids": parties},
        headers=me,
    )
    assert r.status_code == 200, r.text
    assert c.post(f"{M}/{d['id']}/outcome", json={"outcome": "won"}, headers=me).status_code == 422
    r = c.post(f"{M}/{d['id']}/outcome", json=agreement, headers=me)
    assert r.status_code == 200, r.text
    [a] = r.json()["agreements"]
    assert a["status"] == "signed" and len(a["terms"]) == 2

    pdf = c.get(f"{M}/agreements/{a['id']}.pdf", headers=me)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = c.get(f"{M}/agreements/{a['id']}.docx", headers=me)
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert (
        c.get(f"{M}/agreements/{a['id']}.pdf", headers=auth(c, "s02.mediator")).status_code == 404
    )

    term = a["terms"][1]["id"]
    r = c.post(f"{M}/terms/{term}/performance", json={"done": True, "note": "已转账"}, headers=me)
    assert r.json()["agreements"][0]["terms"][1]["is_done"] is True
    ruling = {
        "ruling": "confirmed",
        "ruled_on": START.date().isoformat(),
        "ruling_number": "（2026）粤0303民特1号",
    }
    assert c.post(f"{M}/agreements/{a['id']}/ruling", json=ruling, headers=me).status_code == 409
    filing = {"court": "罗湖区人民法院", "filed_on": START.date().isoformat()}
    assert c.post(f"{M}/agreements/{a['id']}/filing", json=filing, headers=me).status_code == 200
    r = c.post(f"{M}/agreements/{a['id']}/ruling", json=ruling, headers=me)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["agreements"][0]["is_enforceable"] is True
    labels = [e["action_label"] for e in out["timeline"]]
    for step in (
        "登记纠纷调解",
        "安排调解",
        "召开调解会议",
        "达成调解协议",
        "登记协议履行",
        "申请司法确认",
        "司法确认有效",
    ):
        assert step in labels

    listed = c.get(M, headers=me).json()["items"]
    assert d["id"] in [x["id"] for x in listed]
    assert d["id"] not in [
        x["id"] for x in c.get(M, headers=auth(c, "s02.mediator")).json()["items"]
    ]
    since = (START - timedelta(days=1)).date().isoformat()
    until = (START + timedelta(days=30)).date().isoformat()
    f = c.get(f"{M}/figures", params={"since": since, "until": until}, headers=me)
    assert f.status_code == 200 and f.json()["司法确认"] >= 1
    assert (
        c.get(f"{M}/figures", params={"since": until, "until": since}, headers=me).status_code
        == 422
    )
