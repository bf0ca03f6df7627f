"""The counselling API and pages on both backends: a leader holding a hard case (包案) asks for a
话聊 and the counsellor plans and holds it; a walk-in with a session whose notes reach no
dispatcher, leader, administrator, street staff or other counsellor through the API or the
pages; bad input answered 4xx with nothing changed."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import START
from factories import auth, make_appeal, unique_phone
from minyi.core.db import Database
from minyi.org.models import Unit
from minyi.services.models import ServiceSite
from webclient import signed_in

NOTE = "接口测试记录：来访者提到与家人关系紧张"
API = "/api/v1/counselling"


def _site(db: Database, code: str = "S01-SITE") -> int:
    with db.reading() as session:
        return int(
            session.scalar(
                select(ServiceSite.id)
                .join(Unit, Unit.id == ServiceSite.unit_id)
                .where(Unit.code == code)
            )
            or 0
        )


def _record(app_client: TestClient, db: Database) -> int:
    me = auth(app_client, "s01.counsellor")
    made = app_client.post(
        API + "/records",
        json={"site_id": _site(db), "name": "何静", "phone": unique_phone()},
        headers=me,
    )
    assert made.status_code == 201, made.text
    rid = int(made.json()["id"])
    held = app_client.post(
        f"{API}/records/{rid}/sessions", json={"minutes": 50, "notes": NOTE}, headers=me
    )
    assert held.status_code == 201, held.text
    return rid


class TestNotes:
    def test_nobody_else_reads_them(self, app_client: TestClient, db: Database) -> None:
        rid = _record(app_client, db)
        for user in ("s01.counsellor", "centre.counsellor"):
            r = app_client.get(f"{API}/records/{rid}", headers=auth(app_client, user))
            assert r.json()["sessions"][0]["notes"] == NOTE, user
        for user in ("dispatcher", "leader01", "admin", "supervisor"):
            r = app_client.get(f"{API}/records/{rid}", headers=auth(app_client, user))
            assert r.status_code == 200 and r.json()["sessions_held"] == 1, user
            assert NOTE not in r.text and "何静" not in r.text, user
            page = signed_in(app_client, user).get(f"/console/counselling/records/{rid}")
            assert page.status_code == 200 and NOTE not in page.text, user
            assert "仅咨询师本人及其督导可见" in page.text, user
        for user in ("s01.staff", "s02.counsellor"):
            r = app_client.get(f"{API}/records/{rid}", headers=auth(app_client, user))
            assert r.status_code in (403, 404) and NOTE not in r.text, user
            listed = app_client.get(f"{API}/records", headers=auth(app_client, user))
            assert NOTE not in listed.text, user
            page = signed_in(app_client, user).get(f"/console/counselling/records/{rid}")
            assert page.status_code in (403, 404) and NOTE not in page.text, user
        mine = signed_in(app_client, "s01.counsellor").get(f"/console/counselling/records/{rid}")
        assert NOTE in mine.text

    def test_bad_input_is_refused(self, app_client: TestClient, db: Database) -> None:
        rid = _record(app_client, db)
        me = auth(app_client, "s01.counsellor")
        site = _site(db)
        cases = [
            (API + "/records", {"site_id": site, "name": "何", "phone": "12"}, me, 422),
            (API + "/records", {"site_id": site, "name": "何", "phone": unique_phone()},
             auth(app_client, "dispatcher"), 403),
            (API + "/records", {"site_id": 999999, "name": "何", "phone": unique_phone()}, me, 404),
            (f"{API}/records/{rid}/sessions", {"minutes": 2}, me, 422),
            (f"{API}/records/{rid}/sessions", {"minutes": 30, "room_id": 999999}, me, 422),
            (f"{API}/records/{rid}/sessions", {"minutes": 30},
             auth(app_client, "s02.counsellor"), 403),
            (f"{API}/records/{rid}/risk", {"risk_level": "extreme"}, me, 422),
            (f"{API}/records/{rid}/follow-ups", {"due_on": "2020-01-01"}, me, 422),
            (API + "/talks", {"case_id": 999999999}, auth(app_client, "dispatcher"), 404),
        ]  # fmt: skip
        for path, body, headers, status in cases:
            r = app_client.post(path, json=body, headers=headers)
            assert r.status_code == status, (path, body, r.text)
            assert "detail" in r.json() or "message" in r.text
        after = app_client.get(f"{API}/records/{rid}", headers=me).json()
        assert after["sessions_held"] == 1 and after["risk_level"] == "low"
        assert after["follow_ups_planned"] == 0
        assert (
            app_client.get(API + "/figures", headers=auth(app_client, "s01.staff")).status_code
            == 403
        )
        bad = app_client.get(
            API + "/figures",
            params={"since": "2026-11-20", "until": "2026-11-01"},
            headers=auth(app_client, "dispatcher"),
        )
        assert bad.status_code == 422
        figures = app_client.get(API + "/figures", headers=auth(app_client, "dispatcher")).json()
        assert {
            "服务对象",
            "咨询次数",
            "话聊次数",
            "回访已完成",
            "回访已逾期",
            "按风险等级",
        } <= set(figures)


class TestTalkOnAHeldCase:
    def test_leader_holds_asks_and_the_counsellor_holds_it(
        self, app_client: TestClient, db: Database
    ) -> None:
        appeal = make_appeal(app_client, body="第三次来访，拆迁补偿问题仍未解决，情绪激动。")
        case_id = appeal["id"]
        leader = auth(app_client, "leader01")
        took = app_client.post(f"/api/v1/appeals/{case_id}/holding", json={}, headers=leader)
        assert took.status_code == 201, took.text
        asked = app_client.post(API + "/talks", json={"case_id": case_id}, headers=leader)
        assert asked.status_code == 201, asked.text
        talk = asked.json()
        assert talk["status"] == "requested" and talk["holding_leader"]
        again = app_client.post(API + "/talks", json={"case_id": case_id}, headers=leader)
        assert again.status_code == 409
        me = auth(app_client, "s01.counsellor")
        # The counsellor sees the open request (to take it) without seeing the case.
        mine = app_client.get(API + "/talks", params={"status": "requested"}, headers=me).json()
        assert talk["id"] in [t["id"] for t in mine]
        plan = {
            "site_id": _site(db),
            "starts_at": (START + timedelta(days=400)).isoformat(),
            "lawyer": "s01.lawyer",
            "mediator": "s01.lawyer",
        }
        wrong = app_client.post(f"{API}/talks/{talk['id']}/plan", json=plan, headers=me)
        assert wrong.status_code == 422, wrong.text
        plan["mediator"] = "s01.mediator"
        planned = app_client.post(f"{API}/talks/{talk['id']}/plan", json=plan, headers=me)
        assert planned.status_code == 200 and planned.json()["status"] == "planned", planned.text
        held = app_client.post(
            f"{API}/talks/{talk['id']}/hold",
            json={
                "minutes": 90,
                "summary": "三方商定补偿复核方案",
                "notes": "当事人睡眠差，需跟进",
            },
            headers=me,
        )
        assert held.status_code == 200 and held.json()["status"] == "held", held.text
        for user, sees in (("leader01", False), ("dispatcher", False), ("centre.counsellor", True)):
            [out] = app_client.get(
                API + "/talks", params={"case_id": case_id}, headers=auth(app_client, user)
            ).json()
            assert out["summary"] == "三方商定补偿复核方案", user
            assert (out["notes"] == "当事人睡眠差，需跟进") is sees, user
        timeline = app_client.get(f"/api/v1/appeals/{case_id}/timeline", headers=leader).text
        assert "talk_requested" in timeline and "talk_held" in timeline
        assert "睡眠" not in timeline and "补偿复核" not in timeline
        page = signed_in(app_client, "leader01").get(f"/console/cases/{case_id}").text
        assert "三方商定补偿复核方案" in page and "睡眠差" not in page


class TestCriticalRisk:
    def test_the_supervisor_is_notified(self, app_client: TestClient, db: Database) -> None:
        rid = _record(app_client, db)
        me = auth(app_client, "s01.counsellor")
        r = app_client.post(
            f"{API}/records/{rid}/risk", json={"risk_level": "critical"}, headers=me
        )
        assert r.status_code == 200 and r.json()["risk_label"] == "危急", r.text
        notices = app_client.get(
            "/api/v1/notifications", headers=auth(app_client, "centre.counsellor")
        )
        assert notices.status_code == 200, notices.text
        assert "/console/counselling" in notices.text and NOTE not in notices.text
        page = signed_in(app_client, "centre.counsellor").get("/console/notifications")
        assert page.status_code == 200 and "心理服务风险提示" in page.text
