"""Clocks follow a case: planned at intake, met by actions, warned and breached exactly once by
the worker, paused and resumed, extended once, replanned when dispatch changes the policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import private_demo_app
from factories import act, auth, make_appeal, make_dispatched, reply
from minyi.cases.models import Case, CaseEvent
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.sla.calendar import counted_between
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import workdays
from minyi.worker.runner import run_once
from webclient import signed_in


class ClockWorld:
    """An app of its own: these tests move time and fire clocks, which must not touch the
    cases other test modules are looking at."""

    def __init__(self, client: TestClient, db: Database, clock: ManualClock) -> None:
        self.client, self.db, self.clock = client, db, clock

    def clocks(self, case_id: int) -> dict[str, dict[str, object]]:
        r = self.client.get(
            f"/api/v1/appeals/{case_id}/clocks", headers=auth(self.client, "dispatcher")
        )
        assert r.status_code == 200, r.text
        return {c["milestone"]: c for c in r.json()}

    def fire(self) -> None:
        while run_once(self.db, self.clock)["fire_clocks"]:
            pass

    def actions(self, case_id: int) -> list[str]:
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(CaseEvent.action)
                    .where(CaseEvent.case_id == case_id)
                    .order_by(CaseEvent.id)
                )
            )


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockWorld]:
    with private_demo_app(backend, tmp_path_factory.mktemp("clocks")) as (client, db, clock):
        yield ClockWorld(client, db, clock)


class TestPlanning:
    def test_hotline_appeal_gets_the_10_30_24_milestones(self, world: ClockWorld) -> None:
        a = make_appeal(world.client)
        clocks = world.clocks(a["id"])
        assert set(clocks) == {"feedback", "contact", "first_round"}
        with world.db.reading() as session:
            case = session.get(Case, a["id"])
            assert case is not None and case.policy_code == "10-30-24"
            dues = {
                c.milestone: c.due_at - c.started_at
                for c in session.scalars(
                    select(Clock).where(Clock.subject_id == a["id"], Clock.subject == "case")
                )
            }
            assert case.due_at == case.registered_at + timedelta(hours=24)
        assert dues == {
            "feedback": timedelta(minutes=10),
            "contact": timedelta(minutes=30),
            "first_round": timedelta(hours=24),
        }
        assert {c["colour"] for c in clocks.values()} == {"green"}

    def test_walk_in_gets_the_default_1_2_3_on_working_days(self, world: ClockWorld) -> None:
        a = make_appeal(world.client, channel="walk_in")
        clocks = world.clocks(a["id"])
        assert set(clocks) == {"call", "meet", "close"}
        assert {c["calendar"] for c in clocks.values()} == {"workdays"}

    def test_actions_meet_their_milestones(self, world: ClockWorld) -> None:
        a = make_dispatched(world.client, lead="DEP01")
        assert world.clocks(a["id"])["feedback"]["state"] == "met"  # accepted within 10 minutes
        act(world.client, a["id"], "sign_for", "dep01.handler")
        act(world.client, a["id"], "record_contact", "dep01.handler", note="已电话联系")
        assert world.clocks(a["id"])["contact"]["state"] == "met"
        act(world.client, a["id"], "reply", "dep01.handler", text="已答复")
        assert {c["state"] for c in world.clocks(a["id"]).values()} == {"met"}

    def test_dispatch_under_another_policy_replans(self, world: ClockWorld) -> None:
        a = make_dispatched(world.client, lead="DEP02")  # hotline: 10-30-24
        ordinary = next(
            leaf["code"]
            for leaf in world.client.get("/api/v1/dictionary").json()
            if leaf["policy"] == "1-2-3"
        )
        b = make_appeal(world.client)
        act(world.client, b["id"], "accept", "clerk")
        r = act(
            world.client, b["id"], "dispatch", "dispatcher", lead_unit="DEP02", category=ordinary
        )
        assert r.status_code == 200, r.text
        clocks = world.clocks(b["id"])
        assert (
            clocks["contact"]["state"] == "cancelled"
            and clocks["first_round"]["state"] == "cancelled"
        )
        assert clocks["feedback"]["state"] == "met"
        assert {clocks[m]["state"] for m in ("call", "meet", "close")} == {"running"}
        assert set(world.clocks(a["id"])) == {"feedback", "contact", "first_round"}


class TestCasePolicy:
    def test_dispatcher_puts_one_case_on_another_policy(self, world: ClockWorld) -> None:
        a = make_appeal(world.client, channel="walk_in")  # 1-2-3 by default
        url = f"/api/v1/appeals/{a['id']}/clocks/policy"
        assert (
            world.client.post(
                url,
                json={"policy": "nope", "reason": "x"},
                headers=auth(world.client, "dispatcher"),
            ).status_code
            == 422
        )
        assert (
            world.client.post(
                url, json={"policy": "10-30-24", "reason": "x"}, headers=auth(world.client, "clerk")
            ).status_code
            == 403
        )
        r = world.client.post(
            url,
            json={"policy": "10-30-24", "reason": "群众情绪激动，按快办处理"},
            headers=auth(world.client, "dispatcher"),
        )
        assert r.status_code == 200, r.text
        clocks = world.clocks(a["id"])
        assert {clocks[m]["state"] for m in ("call", "meet", "close")} == {"cancelled"}
        assert {clocks[m]["state"] for m in ("feedback", "contact", "first_round")} == {"running"}
        assert "clock_policy" in world.actions(a["id"])


class TestFiring:
    def test_warning_then_breach_each_exactly_once(self, world: ClockWorld) -> None:
        a = make_appeal(world.client)
        act(world.client, a["id"], "accept", "clerk")
        world.clock.advance(timedelta(minutes=22))  # contact warns at 70 % of 30 min
        world.fire()
        world.fire()
        assert world.clocks(a["id"])["contact"]["colour"] == "yellow"
        world.clock.advance(timedelta(minutes=10))
        world.fire()
        world.fire()
        clocks = world.clocks(a["id"])
        assert clocks["contact"]["state"] == "breached" and clocks["contact"]["colour"] == "red"
        assert clocks["feedback"]["state"] == "met"
        timeline = world.actions(a["id"])
        assert timeline.count("clock_warning") == 1 and timeline.count("clock_breach") == 1
        with world.db.reading() as session:
            contact = session.scalars(
                select(Clock).where(Clock.subject_id == a["id"], Clock.milestone == "contact")
            ).one()
            kinds = session.scalars(
                select(ClockFiring.kind).where(ClockFiring.clock_id == contact.id)
            ).all()
            assert sorted(kinds) == ["breach", "warning"]
            assert session.get(Case, a["id"]).is_overdue is True  # type: ignore[union-attr]
        listed = world.client.get(
            "/api/v1/appeals",
            params={"overdue": True, "q": a["tracking_no"]},
            headers=auth(world.client, "supervisor"),
        ).json()
        assert [c["id"] for c in listed["items"]] == [a["id"]]

    def test_late_action_keeps_the_red_result(self, world: ClockWorld) -> None:
        a = make_dispatched(world.client, lead="DEP03")
        act(world.client, a["id"], "sign_for", "dep03.handler")
        world.clock.advance(timedelta(minutes=45))
        world.fire()
        act(world.client, a["id"], "record_contact", "dep03.handler", note="迟到的电话")
        contact = world.clocks(a["id"])["contact"]
        assert contact["state"] == "breached" and contact["completed_at"] is not None


class TestPauseResume:
    def test_paused_clock_keeps_what_it_had_left(self, world: ClockWorld) -> None:
        a = make_dispatched(world.client, lead="DEP04", channel="walk_in")
        before = world.clocks(a["id"])["close"]
        forbidden = world.client.post(
            f"/api/v1/appeals/{a['id']}/clocks/pause",
            json={"reason": "x"},
            headers=auth(world.client, "dep05.handler"),
        )
        assert forbidden.status_code == 404
        assert (
            world.client.post(
                f"/api/v1/appeals/{a['id']}/clocks/pause",
                json={"reason": " "},
                headers=auth(world.client, "dep04.handler"),
            ).status_code
            == 422
        )
        r = world.client.post(
            f"/api/v1/appeals/{a['id']}/clocks/pause",
            json={"reason": "等待群众补充材料"},
            headers=auth(world.client, "dep04.handler"),
        )
        assert r.status_code == 200, r.text
        left = world.clocks(a["id"])["close"]["seconds_left"]
        world.clock.advance(timedelta(days=10))
        world.fire()
        assert world.clocks(a["id"])["close"]["state"] == "paused"
        r = world.client.post(
            f"/api/v1/appeals/{a['id']}/clocks/resume", headers=auth(world.client, "dep04.handler")
        )
        assert r.status_code == 200
        after = world.clocks(a["id"])["close"]
        assert after["state"] == "running" and after["due_at"] > before["due_at"]
        with world.db.reading() as session:
            close = session.scalars(
                select(Clock).where(Clock.subject_id == a["id"], Clock.milestone == "close")
            ).one()
            assert counted_between(
                "workdays", world.clock.now(), close.due_at, workdays(session)
            ) == pytest.approx(left, abs=1)
        assert {"clock_pause", "clock_resume"} <= set(world.actions(a["id"]))
        again = world.client.post(
            f"/api/v1/appeals/{a['id']}/clocks/resume", headers=auth(world.client, "dep04.handler")
        )
        assert again.status_code == 409


class TestExtension:
    def test_statutory_handling_extends_once_up_to_30_days(self, world: ClockWorld) -> None:
        a = make_dispatched(world.client, lead="DEP06", channel="letter")
        url = f"/api/v1/appeals/{a['id']}/clocks/extend"
        head = auth(world.client, "dep06.head")
        assert (
            world.client.post(
                url, json={"milestone": "handle", "days": 31, "reason": "x"}, headers=head
            ).status_code
            == 422
        )
        met = world.client.post(
            url, json={"milestone": "acceptance", "days": 5, "reason": "x"}, headers=head
        )
        assert met.status_code == 404  # accepted in time: nothing left to extend
        fast = make_dispatched(world.client, lead="DEP06")
        fixed = world.client.post(
            f"/api/v1/appeals/{fast['id']}/clocks/extend",
            json={"milestone": "first_round", "days": 1, "reason": "x"},
            headers=head,
        )
        assert fixed.status_code == 409 and fixed.json()["error"]["code"] == "not_extendable"
        assert (
            world.client.post(
                url,
                json={"milestone": "handle", "days": 10, "reason": "x"},
                headers=auth(world.client, "dep06.handler"),
            ).status_code
            == 403
        )
        before = world.clocks(a["id"])["handle"]["due_at"]
        r = world.client.post(
            url,
            json={"milestone": "handle", "days": 30, "reason": "涉及多部门，经批准延期"},
            headers=head,
        )
        assert r.status_code == 200, r.text
        assert r.json()["due_at"] > before and r.json()["extended_days"] == 30
        assert (
            world.client.post(
                url, json={"milestone": "handle", "days": 1, "reason": "x"}, headers=head
            ).status_code
            == 409
        )

    def test_reopen_starts_the_review_clock(self, world: ClockWorld) -> None:
        a = make_dispatched(world.client, lead="DEP07", channel="letter")
        act(world.client, a["id"], "sign_for", "dep07.handler")
        assert reply(world.client, a["id"], "dep07.handler").status_code == 200
        act(world.client, a["id"], "reopen", "supervisor", reason="复查")
        assert world.clocks(a["id"])["review"]["state"] == "running"


class TestKeyCase:
    def test_checklist_must_be_complete_before_reply(self, world: ClockWorld) -> None:
        a = make_dispatched(world.client, lead="DEP08")
        cid = a["id"]
        assert act(world.client, cid, "mark_key", "dispatcher").status_code == 422
        assert (
            act(world.client, cid, "mark_key", "dispatcher", reason="涉众金额较大").status_code
            == 200
        )
        act(world.client, cid, "sign_for", "dep08.handler")
        act(world.client, cid, "record_contact", "dep08.handler", method="phone", note="留了手机号")
        refused = act(world.client, cid, "reply", "dep08.handler", text="答复")
        assert refused.status_code == 409 and refused.json()["error"]["missing"] == [
            "wechat_added",
            "person_met",
        ]
        act(world.client, cid, "record_contact", "dep08.handler", method="wechat", note="加了微信")
        act(world.client, cid, "record_visit", "dep08.handler", note="上门见面")
        detail = world.client.get(
            f"/api/v1/appeals/{cid}", headers=auth(world.client, "dep08.handler")
        ).json()
        assert all(detail["key_checklist"].values())
        assert act(world.client, cid, "reply", "dep08.handler", text="答复").status_code == 200


class TestPolicyAdmin:
    def test_admin_replaces_policies_as_a_new_version(self, world: ClockWorld) -> None:
        text = world.client.get("/api/v1/clock-policies", headers=auth(world.client, "admin")).text
        assert "10-30-24" in text
        put = world.client.put(
            "/api/v1/clock-policies",
            content=text.replace("duration: 10m", "duration: 15m"),
            headers=auth(world.client, "admin") | {"content-type": "application/yaml"},
        )
        assert put.status_code == 200 and put.json()["version"] >= 1
        a = make_appeal(world.client)
        with world.db.reading() as session:
            feedback = session.scalars(
                select(Clock).where(Clock.subject_id == a["id"], Clock.milestone == "feedback")
            ).one()
            assert feedback.due_at - feedback.started_at == timedelta(minutes=15)
        bad = world.client.put(
            "/api/v1/clock-policies",
            content="default: nope\npolicies: {}",
            headers=auth(world.client, "admin") | {"content-type": "application/yaml"},
        )
        assert bad.status_code == 422
        assert (
            world.client.put(
                "/api/v1/clock-policies",
                content=text,
                headers=auth(world.client, "supervisor") | {"content-type": "application/yaml"},
            ).status_code
            == 403
        )
        world.client.put(
            "/api/v1/clock-policies",
            content=text,
            headers=auth(world.client, "admin") | {"content-type": "application/yaml"},
        )
        with world.db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Clock)) > 0


class TestClocksFollowTheWork:
    def test_a_reply_makes_the_meeting_moot_not_breached(self, world: ClockWorld) -> None:
        a = make_dispatched(world.client, lead="DEP09", channel="walk_in")  # 1-2-3
        act(world.client, a["id"], "sign_for", "dep09.handler")
        act(world.client, a["id"], "record_contact", "dep09.handler", note="已电话联系")
        assert (
            act(world.client, a["id"], "reply", "dep09.handler", text="已答复").status_code == 200
        )
        clocks = world.clocks(a["id"])
        assert {m: c["state"] for m, c in clocks.items()} == {
            "call": "met",
            "meet": "moot",
            "close": "met",
        }
        assert clocks["meet"]["colour"] == "moot" and clocks["meet"]["completed_at"] is not None
        world.clock.advance(timedelta(days=30))
        world.fire()
        assert world.clocks(a["id"])["meet"]["state"] == "moot"
        with world.db.reading() as session:
            fired = session.scalars(
                select(ClockFiring.kind)
                .join(Clock, Clock.id == ClockFiring.clock_id)
                .where(Clock.subject_id == a["id"], Clock.subject == "case")
            ).all()
            assert "breach" not in fired
            event = session.scalars(
                select(CaseEvent).where(
                    CaseEvent.case_id == a["id"], CaseEvent.action == "clock_moot"
                )
            ).one()
            assert event.reason == "2天内见面" and event.payload["milestones"] == ["meet"]

    def test_a_decline_meets_the_acceptance_decision_and_moots_the_rest(
        self, world: ClockWorld
    ) -> None:
        a = make_appeal(world.client, channel="letter")  # xf-statutory
        r = act(world.client, a["id"], "decline", "clerk", reason="不属于信访事项")
        assert r.status_code == 200, r.text
        states = {m: c["state"] for m, c in world.clocks(a["id"]).items()}
        assert states == {"acceptance": "met", "handle": "moot"}

    def test_a_reopen_restarts_the_handling_milestones_from_the_reopen(
        self, world: ClockWorld
    ) -> None:
        a = make_dispatched(world.client, lead="DEP10")  # hotline: 10-30-24
        act(world.client, a["id"], "sign_for", "dep10.handler")
        act(world.client, a["id"], "reply", "dep10.handler", text="已答复")
        world.clock.advance(timedelta(days=3))
        reopened_at = world.clock.now()
        assert (
            act(world.client, a["id"], "reopen", "supervisor", reason="群众不满意").status_code
            == 200
        )
        with world.db.reading() as session:
            rows = list(
                session.scalars(
                    select(Clock).where(
                        Clock.subject == "case",
                        Clock.subject_id == a["id"],
                        Clock.state == "running",
                    )
                )
            )
            assert {c.milestone: c.due_at - c.started_at for c in rows} == {
                "contact": timedelta(minutes=30),
                "first_round": timedelta(hours=24),
            }
            assert {c.started_at for c in rows} == {reopened_at}
            case = session.get(Case, a["id"])
            assert case is not None and case.due_at == reopened_at + timedelta(hours=24)
        assert "clock_restart" in world.actions(a["id"])
        # The first round's old clocks keep their results; the new ones run.
        assert world.clocks(a["id"])["first_round"]["state"] == "running"
        board = signed_in(world.client, "dep10.head").get("/console/unit").text
        row = board[board.index(a["tracking_no"]) :]
        assert 'class="clock reopened"' in row[: row.index("</tr>")]

    def test_a_statutory_reopen_gets_thirty_days_of_review_from_the_reopen(
        self, world: ClockWorld
    ) -> None:
        a = make_dispatched(world.client, lead="DEP11", channel="letter")
        act(world.client, a["id"], "sign_for", "dep11.handler")
        assert reply(world.client, a["id"], "dep11.handler").status_code == 200
        world.clock.advance(timedelta(days=5))
        reopened_at = world.clock.now()
        act(world.client, a["id"], "reopen", "supervisor", reason="复查")
        with world.db.reading() as session:
            [review] = session.scalars(
                select(Clock).where(
                    Clock.subject_id == a["id"], Clock.subject == "case", Clock.state == "running"
                )
            )
            assert (review.milestone, review.started_at, review.due_at) == (
                "review",
                reopened_at,
                reopened_at + timedelta(days=30),
            )
