"""A case from registration to archive through the API, with bounce and reopen."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from factories import act, auth, make_appeal, make_dispatched
from minyi.cases.models import Bounce, CaseEvent
from minyi.core.db import Database


def events(db: Database, case_id: int) -> list[CaseEvent]:
    with db.reading() as session:
        return list(
            session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )


class TestHappyPath:
    def test_register_to_archive(self, app_client: TestClient, db: Database) -> None:
        appeal = make_appeal(app_client, phone="13911112222")
        cid = appeal["id"]
        steps = [
            ("accept", "clerk", {}),
            (
                "dispatch",
                "dispatcher",
                {"lead_unit": "DEP02", "co_units": ["S01"], "category": "TS-01-01-01"},
            ),
            ("sign_for", "dep02.handler", {}),
            (
                "record_contact",
                "dep02.handler",
                {"method": "phone", "note": "已电话联系程先生，约定明天上门"},
            ),
            ("record_visit", "s01.staff", {"note": "街道协办人员现场查看"}),
            ("reply", "dep02.head", {"text": "已责令清运企业整改，每日两次冲洗除臭。"}),
        ]
        for action, user, body in steps:
            r = act(app_client, cid, action, user, **body)
            assert r.status_code == 200, (action, r.text)
        rated = app_client.post(
            f"/api/v1/track/{appeal['tracking_no']}/feedback",
            json={"phone_last4": "2222", "rating": "satisfied"},
        )
        assert rated.status_code == 200, rated.text
        assert act(app_client, cid, "archive", "dispatcher").status_code == 200
        log = events(db, cid)
        assert [e.action for e in log] == [
            "register",
            "accept",
            "dispatch",
            "sign_for",
            "record_contact",
            "record_visit",
            "reply",
            "feedback",
            "archive",
        ]
        assert [e.to_status for e in log][-3:] == ["replied", "rated", "archived"]
        assert log[2].payload["lead_unit"] == "DEP02" and log[2].payload["co_units"] == ["S01"]
        assert log[6].reason == "已责令清运企业整改，每日两次冲洗除臭。"
        assert log[7].actor_label == "citizen"

    def test_every_event_names_who_when_and_states(
        self, app_client: TestClient, db: Database
    ) -> None:
        appeal = make_dispatched(app_client)
        for e in events(db, appeal["id"]):
            assert e.at is not None and e.actor_label and e.to_status

    def test_decline_needs_a_reason_and_gives_one(self, app_client: TestClient) -> None:
        appeal = make_appeal(app_client)
        missing = act(app_client, appeal["id"], "decline", "clerk")
        assert (
            missing.status_code == 422 and missing.json()["error"]["errors"][0]["field"] == "reason"
        )
        r = act(
            app_client, appeal["id"], "decline", "clerk", reason="属于司法程序，不属于信访受理范围"
        )
        assert r.status_code == 200 and r.json()["status"] == "declined"
        assert r.json()["reply_text"] == "属于司法程序，不属于信访受理范围"


class TestIllegalAction:
    def test_409_names_the_allowed_actions_and_changes_nothing(
        self, app_client: TestClient, db: Database
    ) -> None:
        appeal = make_appeal(app_client)
        r = act(app_client, appeal["id"], "reply", "clerk", text="x")
        assert r.status_code == 409
        assert r.json()["error"]["allowed_actions"] == ["accept", "decline"]
        assert [e.action for e in events(db, appeal["id"])] == ["register"]

    def test_unknown_action_is_422(self, app_client: TestClient) -> None:
        appeal = make_appeal(app_client)
        assert act(app_client, appeal["id"], "teleport", "clerk").status_code == 422

    def test_wrong_unit_cannot_sign(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP03", co=["DEP04"])
        assert act(app_client, appeal["id"], "sign_for", "dep04.handler").status_code == 403

    def test_dispatch_to_a_grid_worker_unit_kind_that_cannot_handle(
        self, app_client: TestClient
    ) -> None:
        appeal = make_appeal(app_client)
        act(app_client, appeal["id"], "accept", "clerk")
        r = act(app_client, appeal["id"], "dispatch", "dispatcher", lead_unit="D")
        assert r.status_code == 422 and r.json()["error"]["errors"][0]["field"] == "lead_unit"

    def test_lead_cannot_also_be_co_unit(self, app_client: TestClient) -> None:
        appeal = make_appeal(app_client)
        act(app_client, appeal["id"], "accept", "clerk")
        assert (
            act(
                app_client,
                appeal["id"],
                "dispatch",
                "dispatcher",
                lead_unit="DEP01",
                co_units=["DEP01"],
            ).status_code
            == 422
        )


class TestBounce:
    def test_approved_bounce_returns_the_case_to_dispatch(
        self, app_client: TestClient, db: Database
    ) -> None:
        appeal = make_dispatched(app_client, lead="DEP05")
        cid = appeal["id"]
        assert act(app_client, cid, "bounce", "dep05.handler").status_code == 422  # reason required
        r = act(app_client, cid, "bounce", "dep05.handler", reason="该事项属于区水务局职责")
        assert r.status_code == 200 and r.json()["bounce_pending"] is True
        assert act(app_client, cid, "bounce", "dep05.head", reason="again").status_code == 409
        pending = app_client.get(
            "/api/v1/appeals",
            params={"status": "dispatched", "q": appeal["tracking_no"]},
            headers=auth(app_client, "dispatcher"),
        )
        assert pending.json()["items"][0]["bounce_pending"] is True
        r = act(app_client, cid, "approve_bounce", "dispatcher")
        assert (
            r.status_code == 200
            and r.json()["status"] == "accepted"
            and r.json()["lead_unit"] is None
        )
        # The bounced unit no longer sees the case; the new lead does after redispatch.
        assert (
            app_client.get(
                f"/api/v1/appeals/{cid}", headers=auth(app_client, "dep05.handler")
            ).status_code
            == 404
        )
        assert act(app_client, cid, "dispatch", "dispatcher", lead_unit="DEP06").status_code == 200
        assert act(app_client, cid, "sign_for", "dep06.handler").status_code == 200
        with db.reading() as session:
            bounce = session.scalars(select(Bounce).where(Bounce.case_id == cid)).one()
            assert bounce.status == "approved" and bounce.reason == "该事项属于区水务局职责"

    def test_refused_bounce_keeps_the_case_with_the_unit(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP07")
        cid = appeal["id"]
        act(app_client, cid, "sign_for", "dep07.handler")
        act(app_client, cid, "bounce", "dep07.handler", reason="不是我们的事")
        missing = act(app_client, cid, "refuse_bounce", "dispatcher")
        assert missing.status_code == 422
        r = act(
            app_client, cid, "refuse_bounce", "dispatcher", reason="涉及本单位职责，1%也要一跟到底"
        )
        assert (
            r.status_code == 200
            and r.json()["status"] == "signed_for"
            and r.json()["bounce_pending"] is False
        )
        assert act(app_client, cid, "reply", "dep07.handler", text="已处理").status_code == 200

    def test_bounces_are_counted_per_unit_and_case(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP08")
        cid = appeal["id"]
        act(app_client, cid, "bounce", "dep08.handler", reason="a")
        act(app_client, cid, "refuse_bounce", "dispatcher", reason="no")
        r = act(app_client, cid, "bounce", "dep08.handler", reason="b")
        assert r.json()["bounce_count"] == 2
        stats = app_client.get(
            "/api/v1/bounces/stats", headers=auth(app_client, "supervisor")
        ).json()
        dep08 = next(s for s in stats if s["unit"] == "DEP08")
        assert dep08["requested"] >= 2
        timeline = app_client.get(
            f"/api/v1/appeals/{cid}/timeline", headers=auth(app_client, "supervisor")
        ).json()
        assert timeline[-1]["payload"]["ping_pong"] is True


class TestReopen:
    def test_unsatisfied_citizen_reopens(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP09", phone="13922223333")
        cid = appeal["id"]
        act(app_client, cid, "sign_for", "dep09.handler")
        act(app_client, cid, "reply", "dep09.handler", text="已答复")
        r = app_client.post(
            f"/api/v1/track/{appeal['tracking_no']}/feedback",
            json={"phone_last4": "3333", "rating": "unsatisfied", "comment": "问题没有解决"},
        )
        assert r.status_code == 200 and r.json()["status"] == "dispatched"
        detail = app_client.get(
            f"/api/v1/appeals/{cid}", headers=auth(app_client, "dep09.handler")
        ).json()
        assert detail["reopen_count"] == 1 and "sign_for" in detail["allowed_actions"]
        actions = [
            e["action"]
            for e in app_client.get(
                f"/api/v1/appeals/{cid}/timeline", headers=auth(app_client, "dispatcher")
            ).json()
        ]
        assert actions[-3:] == [
            "feedback",
            "reopen",
            "clock_restart",
        ]  # the reopen restarts the deadlines

    def test_supervisor_reopens_archived_case(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP10")
        cid = appeal["id"]
        act(app_client, cid, "sign_for", "dep10.handler")
        act(app_client, cid, "reply", "dep10.handler", text="已答复")
        act(app_client, cid, "archive", "dispatcher")
        assert act(app_client, cid, "reopen", "dispatcher", reason="x").status_code == 409
        r = act(app_client, cid, "reopen", "supervisor", reason="督查发现问题仍未解决")
        assert r.status_code == 200 and r.json()["status"] == "dispatched"


class TestEventLogIsAppendOnly:
    def test_database_refuses_to_rewrite_history(
        self, app_client: TestClient, db: Database
    ) -> None:
        appeal = make_appeal(app_client)
        with db.engine.connect() as conn:
            for sql in (
                "UPDATE case_events SET reason = 'forged' WHERE case_id = :c",
                "DELETE FROM case_events WHERE case_id = :c",
            ):
                try:
                    with conn.begin():
                        conn.execute(text(sql), {"c": appeal["id"]})
                except Exception as error:
                    assert "append-only" in str(error)  # noqa: PT017 - the refusal is read inside the savepoint that raised it
                else:
                    raise AssertionError(f"{sql} was allowed")
        assert [e.action for e in events(db, appeal["id"])] == ["register"]
