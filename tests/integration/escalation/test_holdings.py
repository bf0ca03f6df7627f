"""Leader case-holding (包案 → 销案) and the backlog register (积案) through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import act, auth, make_appeal
from minyi.cases.models import CaseEvent
from minyi.core.clock import ManualClock
from minyi.core.db import Database

REVIEW = {
    "problem_solved": "已协调物业退还押金，问题解决",
    "policy_explained": "已向信访人解释相关政策",
    "hardship_helped": "已申请临时救助",
    "unlawful_handled": "信访人无违法行为",
}


def take(client: TestClient, case_id: int, user: str, **body: Any) -> Any:
    return client.post(f"/api/v1/appeals/{case_id}/holding", json=body, headers=auth(client, user))


def post(client: TestClient, holding_id: int, what: str, user: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/holdings/{holding_id}/{what}", json=body, headers=auth(client, user)
    )


def plan(client: TestClient, holding_id: int, user: str, text: str) -> Any:
    return client.put(
        f"/api/v1/holdings/{holding_id}/plan", json={"plan": text}, headers=auth(client, user)
    )


def stats_of(client: TestClient, leader: str) -> dict[str, Any]:
    rows = client.get("/api/v1/holdings/stats", headers=auth(client, "supervisor")).json()
    return next(r for r in rows if r["leader"] == leader)


def actions(db: Database, case_id: int) -> list[str]:
    with db.reading() as session:
        return list(
            session.scalars(
                select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )


class TestHoldingCycle:
    def test_take_plan_visit_release_approve(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        before = stats_of(app_client, "leader05")
        a = make_appeal(app_client, crowd_size=6, street="S07", community="S07C02")
        r = take(app_client, a["id"], "leader05")
        assert r.status_code == 201, r.text
        h = r.json()
        assert (h["status"], h["leader"]["username"], h["level"], h["plan"]) == (
            "held",
            "leader05",
            "leader_in_charge",
            None,
        )
        assert (
            plan(
                app_client, h["id"], "leader05", "一、约见信访人；二、会同街道核查；三、一周内答复"
            ).status_code
            == 200
        )
        earlier = (clock.now() - timedelta(minutes=1)).isoformat()
        r = post(
            app_client,
            h["id"],
            "visits",
            "leader05",
            kind="reception",
            at=earlier,
            place="区信访接待大厅",
            people=3,
            notes="接待三名商户代表",
        )
        assert r.status_code == 201, r.text
        r = post(
            app_client,
            h["id"],
            "visits",
            "leader05",
            kind="home_visit",
            at=clock.now().isoformat(),
            place="信访人家中",
            people=2,
            notes="到家中了解情况",
        )
        assert r.status_code == 201, r.text
        assert (r.json()["receptions"], r.json()["home_visits"]) == (1, 1)
        assert [v["kind_label"] for v in r.json()["visits"]] == ["接访", "家访"]

        missing = post(
            app_client, h["id"], "release", "leader05", **{**REVIEW, "hardship_helped": " "}
        )
        assert (
            missing.status_code == 422
            and missing.json()["error"]["errors"][0]["field"] == "hardship_helped"
        )
        r = post(app_client, h["id"], "release", "leader05", **REVIEW)
        assert r.status_code == 200 and r.json()["status"] == "release_requested"
        assert r.json()["review"] == REVIEW
        assert plan(app_client, h["id"], "leader05", "改").status_code == 409

        assert (
            post(app_client, h["id"], "approve", "leader05").status_code == 403
        )  # never one's own
        assert post(app_client, h["id"], "approve", "leader06").status_code == 403  # a peer
        r = post(
            app_client, h["id"], "approve", "supervisor", reason="三到位一处理落实到位，同意销案"
        )
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["decided_by"]["username"]) == ("closed", "supervisor")
        assert r.json()["closed_at"] is not None

        after = stats_of(app_client, "leader05")
        assert (after["held"] - before["held"], after["closed"] - before["closed"]) == (1, 1)
        assert (
            after["receptions"] - before["receptions"],
            after["home_visits"] - before["home_visits"],
        ) == (1, 1)
        assert after["people_met"] - before["people_met"] == 5
        assert after["rate"] == round(after["closed"] / after["held"], 4)
        assert actions(db, a["id"])[-6:] == [
            "holding_take",
            "holding_plan",
            "holding_visit",
            "holding_visit",
            "holding_release",
            "holding_approve",
        ]
        view = app_client.get(
            f"/api/v1/appeals/{a['id']}/escalation", headers=auth(app_client, "leader05")
        ).json()
        assert [x["status"] for x in view["holdings"]] == ["closed"]

    def test_a_higher_leader_approves(self, app_client: TestClient) -> None:
        a = make_appeal(app_client)
        h = take(app_client, a["id"], "leader03", plan="方案").json()
        assert post(app_client, h["id"], "release", "leader03", **REVIEW).status_code == 200
        assert post(app_client, h["id"], "approve", "mayor").json()["status"] == "closed"

    def test_release_needs_a_plan(self, app_client: TestClient) -> None:
        h = take(app_client, make_appeal(app_client)["id"], "leader04").json()
        r = post(app_client, h["id"], "release", "leader04", **REVIEW)
        assert r.status_code == 409 and r.json()["error"]["code"] == "no_plan"

    def test_refusal_needs_a_reason_and_sends_it_back(self, app_client: TestClient) -> None:
        h = take(app_client, make_appeal(app_client)["id"], "leader04", plan="一案一策").json()
        assert post(app_client, h["id"], "release", "leader04", **REVIEW).status_code == 200
        no_reason = post(app_client, h["id"], "refuse", "supervisor")
        assert (
            no_reason.status_code == 422
            and no_reason.json()["error"]["errors"][0]["field"] == "reason"
        )
        r = post(app_client, h["id"], "refuse", "supervisor", reason="帮扶救助未落实")
        assert (r.json()["status"], r.json()["decision_note"]) == ("held", "帮扶救助未落实")
        assert post(app_client, h["id"], "approve", "supervisor").status_code == 409
        assert post(app_client, h["id"], "release", "leader04", **REVIEW).status_code == 200


class TestHoldingRefusals:
    def test_only_leaders_take(self, app_client: TestClient) -> None:
        a = make_appeal(app_client)
        for user in ("dep01.head", "supervisor", "dispatcher"):
            r = take(app_client, a["id"], user)
            assert r.status_code == 403, user

    def test_one_active_holding_per_case(self, app_client: TestClient) -> None:
        a = make_appeal(app_client)
        h = take(app_client, a["id"], "leader01", plan="方案").json()
        second = take(app_client, a["id"], "leader02")
        assert second.status_code == 409 and second.json()["error"]["holding_id"] == h["id"]
        post(app_client, h["id"], "release", "leader01", **REVIEW)
        post(app_client, h["id"], "approve", "supervisor")
        assert take(app_client, a["id"], "leader02").status_code == 201

    def test_only_the_holder_writes(self, app_client: TestClient, clock: ManualClock) -> None:
        h = take(app_client, make_appeal(app_client)["id"], "leader01").json()
        assert plan(app_client, h["id"], "leader02", "别人的方案").status_code == 403
        r = post(
            app_client,
            h["id"],
            "visits",
            "leader02",
            kind="reception",
            at=clock.now().isoformat(),
            place="x",
            notes="y",
        )
        assert r.status_code == 403

    def test_bad_visits(self, app_client: TestClient, clock: ManualClock) -> None:
        h = take(app_client, make_appeal(app_client)["id"], "leader01").json()
        future = post(
            app_client,
            h["id"],
            "visits",
            "leader01",
            kind="reception",
            at=(clock.now() + timedelta(hours=1)).isoformat(),
            place="x",
            notes="y",
        )
        assert future.status_code == 422 and future.json()["error"]["errors"][0]["field"] == "at"
        kind = post(
            app_client,
            h["id"],
            "visits",
            "leader01",
            kind="phone_call",
            at=clock.now().isoformat(),
            place="x",
            notes="y",
        )
        assert kind.status_code == 422 and kind.json()["error"]["errors"][0]["field"] == "kind"
        naive = post(
            app_client,
            h["id"],
            "visits",
            "leader01",
            kind="reception",
            at="2026-11-20T09:00:00",
            place="x",
            notes="y",
        )
        assert naive.status_code == 422
        empty = post(
            app_client,
            h["id"],
            "visits",
            "leader01",
            kind="reception",
            at=clock.now().isoformat(),
            place="x",
            notes=" ",
        )
        assert empty.status_code == 422 and empty.json()["error"]["errors"][0]["field"] == "notes"
        assert (
            app_client.get(
                f"/api/v1/holdings/{h['id']}", headers=auth(app_client, "leader01")
            ).json()["visits"]
            == []
        )

    def test_a_closed_case_cannot_be_taken(self, app_client: TestClient) -> None:
        a = make_appeal(app_client)
        assert (
            act(app_client, a["id"], "decline", "clerk", reason="不属于受理范围").status_code == 200
        )
        r = take(app_client, a["id"], "leader01")
        assert r.status_code == 409 and r.json()["error"]["code"] == "case_not_open"

    def test_out_of_scope_is_not_found(self, app_client: TestClient) -> None:
        h = take(app_client, make_appeal(app_client)["id"], "leader01").json()
        assert (
            app_client.get(
                f"/api/v1/holdings/{h['id']}", headers=auth(app_client, "dep03.handler")
            ).status_code
            == 404
        )
        assert (
            app_client.get(
                "/api/v1/holdings/999999999", headers=auth(app_client, "leader01")
            ).status_code
            == 404
        )

    def test_list_filters(self, app_client: TestClient) -> None:
        h = take(app_client, make_appeal(app_client)["id"], "leader08", plan="方案").json()
        listed = app_client.get(
            "/api/v1/holdings",
            params={"leader": "leader08", "status": "held", "page_size": 200},
            headers=auth(app_client, "supervisor"),
        ).json()
        assert h["id"] in [i["id"] for i in listed["items"]]
        assert {i["leader"]["username"] for i in listed["items"]} == {"leader08"}
        bad = app_client.get(
            "/api/v1/holdings", params={"leader": "nobody"}, headers=auth(app_client, "supervisor")
        )
        assert bad.status_code == 422


class TestBacklog:
    def test_old_open_cases_with_age_holder_and_plan(
        self, app_client: TestClient, clock: ManualClock
    ) -> None:
        old = make_appeal(
            app_client, submitted_at=(clock.now() - timedelta(days=45)).isoformat(), street="S06"
        )
        new = make_appeal(app_client, street="S06")
        h = take(app_client, old["id"], "leader04", plan="新官理旧账：逐一研判，一案一策").json()
        sup = auth(app_client, "supervisor")
        listed = app_client.get(
            "/api/v1/backlog", params={"min_age_days": 30, "page_size": 200}, headers=sup
        ).json()
        row = next(i for i in listed["items"] if i["id"] == old["id"])
        assert row["age_days"] >= 45 and row["holding_id"] == h["id"]
        assert (
            row["holder"]["username"] == "leader04"
            and row["plan"] == "新官理旧账：逐一研判，一案一策"
        )
        assert new["id"] not in [i["id"] for i in listed["items"]]
        ages = [i["age_days"] for i in listed["items"]]
        assert ages == sorted(ages, reverse=True)
        unheld = app_client.get(
            "/api/v1/backlog",
            params={"min_age_days": 30, "held": False, "page_size": 200},
            headers=sup,
        ).json()
        assert old["id"] not in [i["id"] for i in unheld["items"]]
        everything = app_client.get(
            "/api/v1/backlog",
            params={"min_age_days": 0, "page_size": 200, "held": True},
            headers=sup,
        ).json()
        assert old["id"] in [i["id"] for i in everything["items"]]

    def test_scope_applies(self, app_client: TestClient, clock: ManualClock) -> None:
        old = make_appeal(
            app_client, submitted_at=(clock.now() - timedelta(days=40)).isoformat(), street="S06"
        )
        mine = app_client.get(
            "/api/v1/backlog", params={"page_size": 200}, headers=auth(app_client, "dep03.handler")
        ).json()
        assert old["id"] not in [i["id"] for i in mine["items"]]
        street = app_client.get(
            "/api/v1/backlog", params={"page_size": 200}, headers=auth(app_client, "s06.staff")
        ).json()
        assert old["id"] in [i["id"] for i in street["items"]]
