"""Escalation through the real stack: rules lift cases on registration, dispatch and clock
breaches, to the right person, with an event naming the rule; never lowered; versioned rules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

import minyi.escalation
from factories import act, auth, make_appeal, unique_phone
from minyi.cases.models import CaseEvent
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.escalation.models import EscalationRuleSet
from minyi.escalation.service import evaluate_open_cases
from minyi.sla.hooks import notify_fired
from minyi.sla.service import start_clock

SHIPPED = Path(minyi.escalation.__file__).with_name("default_rules.yaml")


def escalation(client: TestClient, case_id: int, user: str = "supervisor") -> dict[str, Any]:
    r = client.get(f"/api/v1/appeals/{case_id}/escalation", headers=auth(client, user))
    assert r.status_code == 200, r.text
    return dict(r.json())


def events(db: Database, case_id: int, *actions: str) -> list[CaseEvent]:
    with db.reading() as session:
        stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        if actions:
            stmt = stmt.where(CaseEvent.action.in_(actions))
        return list(session.scalars(stmt))


def fire_breach(db: Database, case_id: int, clock: ManualClock, milestone: str) -> None:
    """A breach of one clock of this case, through the same hook the worker calls (the sweep
    itself would fire every due clock of the shared database)."""
    now = clock.now()
    with db.unit_of_work() as session:
        c = start_clock(
            session,
            subject="case",
            subject_id=case_id,
            milestone=milestone,
            name=milestone,
            duration=timedelta(minutes=1),
            now=now - timedelta(minutes=5),
            case_id=case_id,
        )
        c.state, c.breached_at, c.next_fire_at = "breached", now, None
        notify_fired(session, c, "breach", now)


class TestRepeatAppeals:
    def test_first_appeal_is_not_lifted(self, app_client: TestClient, db: Database) -> None:
        a = make_appeal(app_client)
        view = escalation(app_client, a["id"])
        assert view["level"] is None and view["history"] == [] and view["holdings"] == []
        assert events(db, a["id"], "escalate") == []

    def test_second_appeal_goes_to_the_unit_head_then_follows_the_lead_unit(
        self, app_client: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        make_appeal(app_client, phone=phone)
        b = make_appeal(app_client, phone=phone)
        view = escalation(app_client, b["id"])
        # 首办负责制: before dispatch the clerk's unit (the dispatch centre) answers for it.
        assert (view["level"], view["rule"], view["assigned_to"]["username"]) == (
            "unit_head",
            "repeat_petition",
            "dispatch.head",
        )
        [lift] = events(db, b["id"], "escalate")
        assert lift.actor_label == "system" and lift.actor_id is None
        assert lift.reason == "重复信访（同一诉求二次及以上）"
        assert {k: lift.payload[k] for k in ("rule", "level", "to")} == {
            "rule": "repeat_petition",
            "level": "unit_head",
            "to": "dispatch.head",
        }
        assert act(app_client, b["id"], "accept", "clerk").status_code == 200
        assert (
            act(app_client, b["id"], "dispatch", "dispatcher", lead_unit="DEP05").status_code == 200
        )
        view = escalation(app_client, b["id"])
        assert (view["level"], view["assigned_to"]["username"]) == ("unit_head", "dep05.head")
        assert [e.payload["to"] for e in events(db, b["id"], "escalation_assign")] == ["dep05.head"]
        assert len(events(db, b["id"], "escalate")) == 1

    def test_third_appeal_goes_to_the_area_leader(self, app_client: TestClient) -> None:
        phone = unique_phone()
        ids = [
            make_appeal(app_client, phone=phone, street="S03", community="S03C02")["id"]
            for _ in range(3)
        ]
        levels = [escalation(app_client, i)["level"] for i in ids]
        assert levels == [None, "unit_head", "leader_in_charge"]
        third = escalation(app_client, ids[2])
        # 分片包联: leader01 is linked to S03 and its communities.
        assert (third["rule"], third["assigned_to"]["username"]) == (
            "repeat_petition_many",
            "leader01",
        )
        assert [h["level"] for h in third["history"]] == ["leader_in_charge"]

    def test_another_matter_is_a_first_appeal(self, app_client: TestClient) -> None:
        phone = unique_phone()
        make_appeal(app_client, phone=phone, category="TS-01-01-01")
        other = make_appeal(app_client, phone=phone, category="JF-02-01-03")
        same = make_appeal(app_client, phone=phone, category="TS-01-01-01")
        assert escalation(app_client, other["id"])["level"] is None
        assert escalation(app_client, same["id"])["rule"] == "repeat_petition"

    def test_another_text_from_the_same_phone_without_a_leaf_is_a_first_appeal(
        self, app_client: TestClient
    ) -> None:
        phone = unique_phone()
        make_appeal(app_client, phone=phone)
        other = make_appeal(
            app_client,
            phone=phone,
            title="孩子入学咨询",
            body="孩子今年九月上小学，户籍在幸福小区，想咨询学位申请需要准备哪些材料和报名时间。",
        )
        assert escalation(app_client, other["id"])["level"] is None

    def test_a_near_duplicate_text_without_a_leaf_is_a_repeat(self, app_client: TestClient) -> None:
        phone = unique_phone()
        make_appeal(app_client, phone=phone)
        again = make_appeal(
            app_client,
            phone=phone,
            title="再次反映：小区垃圾中转站臭味扰民",
            body="上次反映的问题还没解决，城市绿洲花园小区门口的垃圾中转站臭味很大，夏天尤其严重，希望尽快处理。",
        )
        assert escalation(app_client, again["id"])["rule"] == "repeat_petition"

    def test_a_leaf_matter_is_not_repeated_by_another_leaf_with_the_same_text(
        self, app_client: TestClient
    ) -> None:
        phone = unique_phone()
        make_appeal(app_client, phone=phone, category="TS-01-01-01")
        other = make_appeal(app_client, phone=phone, category="JF-02-01-03")
        assert escalation(app_client, other["id"])["level"] is None


class TestCrowdMoneySensitivity:
    def test_large_crowd_goes_to_the_top_leaders(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, crowd_size=30, amount="98000.00", street="S07")
        view = escalation(app_client, a["id"])
        assert (view["level"], view["rule"], view["assigned_to"]["username"]) == (
            "top_leaders",
            "crowd_large",
            "secretary",
        )
        assert view["assigned_to"]["title"] == "区委书记"

    def test_crowd_goes_to_the_leader_in_charge_of_the_street(self, app_client: TestClient) -> None:
        # S01 is linked to the secretary and to leader01/leader02: the leader in charge is preferred.
        a = make_appeal(app_client, crowd_size=6, street="S01")
        view = escalation(app_client, a["id"])
        assert (view["level"], view["rule"], view["assigned_to"]["username"]) == (
            "leader_in_charge",
            "crowd",
            "leader01",
        )

    def test_money(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, amount="150000.00", street="S08")
        view = escalation(app_client, a["id"])
        assert (view["level"], view["rule"], view["assigned_to"]["username"]) == (
            "leader_in_charge",
            "money",
            "leader06",
        )

    def test_sensitive_words(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, body="拖欠工资半年，工友们说再不解决就去拉横幅", street="S10")
        assert escalation(app_client, a["id"])["rule"] == "sensitive"

    def test_prominent_class_many_citizens_same_matter_same_community(
        self, app_client: TestClient
    ) -> None:
        ids = [
            make_appeal(
                app_client,
                category="TS-05-02-04",
                street="S09",
                community="S09C05",
                body=f"小区旁诊所无资质行医 {n}",
            )["id"]
            for n in range(5)
        ]
        assert [escalation(app_client, i)["level"] for i in ids[:4]] == [None] * 4
        fifth = escalation(app_client, ids[4])
        assert (fifth["level"], fifth["rule"], fifth["assigned_to"]["username"]) == (
            "leader_in_charge",
            "prominent_class",
            "leader07",
        )


class TestNeverLowered:
    def test_actions_keep_the_level_and_add_no_lift(
        self, app_client: TestClient, db: Database
    ) -> None:
        a = make_appeal(app_client, crowd_size=40, street="S02")
        assert act(app_client, a["id"], "accept", "clerk").status_code == 200
        assert (
            act(
                app_client,
                a["id"],
                "dispatch",
                "dispatcher",
                lead_unit="DEP10",
                category="BZ-04-01-04",
            ).status_code
            == 200
        )
        view = escalation(app_client, a["id"])
        assert view["level"] == "top_leaders"
        assert len(events(db, a["id"], "escalate")) == 1
        assert events(db, a["id"], "escalation_assign") == []


class TestBreaches:
    def test_one_breach_to_the_unit_head_three_to_the_leader(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        a = make_appeal(app_client, street="S04")
        assert act(app_client, a["id"], "accept", "clerk").status_code == 200
        assert (
            act(app_client, a["id"], "dispatch", "dispatcher", lead_unit="DEP07").status_code == 200
        )
        fire_breach(db, a["id"], clock, "t1")
        view = escalation(app_client, a["id"])
        assert (view["level"], view["rule"], view["assigned_to"]["username"]) == (
            "unit_head",
            "breach",
            "dep07.head",
        )
        fire_breach(db, a["id"], clock, "t2")
        assert escalation(app_client, a["id"])["level"] == "unit_head"
        fire_breach(db, a["id"], clock, "t3")
        view = escalation(app_client, a["id"])
        assert (view["level"], view["rule"], view["assigned_to"]["username"]) == (
            "leader_in_charge",
            "breach_repeated",
            "leader02",
        )
        assert [e.payload["level"] for e in events(db, a["id"], "escalate")] == [
            "unit_head",
            "leader_in_charge",
        ]
        assert events(db, a["id"], "escalate")[-1].payload["from_level"] == "unit_head"

    def test_other_subjects_do_not_lift(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        a = make_appeal(app_client)
        with db.unit_of_work() as session:
            c = start_clock(
                session,
                subject="summons",
                subject_id=10**9,
                milestone="report_in",
                name="x",
                duration=timedelta(minutes=1),
                now=clock.now(),
                case_id=a["id"],
            )
            c.state, c.breached_at = "breached", clock.now()
            notify_fired(session, c, "breach", clock.now())
            notify_fired(session, c, "warning", clock.now())
        assert escalation(app_client, a["id"])["level"] is None


class TestReevaluation:
    def test_open_cases_are_re_evaluated_in_batches(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        a = make_appeal(app_client, street="S04")
        with db.unit_of_work() as session:
            # A breach recorded while no handler listened (say, before the rules changed).
            c = start_clock(
                session,
                subject="case",
                subject_id=a["id"],
                milestone="quiet",
                name="quiet",
                duration=timedelta(minutes=1),
                now=clock.now(),
                case_id=a["id"],
            )
            c.state, c.breached_at, c.next_fire_at = "breached", clock.now(), None
        assert escalation(app_client, a["id"])["level"] is None
        with db.unit_of_work() as session:
            assert evaluate_open_cases(session, now=clock.now(), after_id=a["id"] - 1, batch=1) == (
                1,
                1,
                a["id"],
            )
        assert escalation(app_client, a["id"])["rule"] == "breach"
        with db.unit_of_work() as session:
            assert evaluate_open_cases(session, now=clock.now(), after_id=a["id"] - 1, batch=1) == (
                1,
                0,
                a["id"],
            )


class TestListing:
    def test_mine_lists_what_was_lifted_to_me(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, crowd_size=7, street="S05", community="S05C02")
        mine = app_client.get(
            "/api/v1/escalations",
            params={"mine": True, "page_size": 200},
            headers=auth(app_client, "leader03"),
        ).json()
        assert a["id"] in [i["id"] for i in mine["items"]]
        assert all(i["assigned_to"]["username"] == "leader03" for i in mine["items"])
        others = app_client.get(
            "/api/v1/escalations",
            params={"mine": True, "page_size": 200},
            headers=auth(app_client, "leader04"),
        ).json()
        assert a["id"] not in [i["id"] for i in others["items"]]
        by_level = app_client.get(
            "/api/v1/escalations",
            params={"level": "top_leaders", "page_size": 200},
            headers=auth(app_client, "supervisor"),
        ).json()
        assert a["id"] not in [i["id"] for i in by_level["items"]]

    def test_out_of_scope_reads_as_not_found(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, crowd_size=7)
        r = app_client.get(
            f"/api/v1/appeals/{a['id']}/escalation", headers=auth(app_client, "dep03.handler")
        )
        assert r.status_code == 404


class TestRuleSets:
    def test_current_rules_are_readable(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/escalation/rules", headers=auth(app_client, "leader01"))
        assert r.status_code == 200
        body = r.json()
        assert body["rules"] and {"code", "name", "when", "level", "level_label"} <= set(
            body["rules"][0]
        )
        shipped = app_client.get(
            "/api/v1/escalation/rules", params={"version": 0}, headers=auth(app_client, "leader01")
        ).json()
        assert shipped["source"] == "shipped default" and shipped["version"] == 0
        missing = app_client.get(
            "/api/v1/escalation/rules",
            params={"version": 999},
            headers=auth(app_client, "leader01"),
        )
        assert missing.status_code == 404

    def test_only_an_admin_imports(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/escalation/rules",
            files={"file": ("r.yaml", b"rules: []")},
            headers=auth(app_client, "supervisor"),
        )
        assert r.status_code == 403

    def test_bad_file_names_the_field_and_writes_nothing(
        self, app_client: TestClient, db: Database
    ) -> None:
        before = _versions(db)
        bad = "rules:\n  - {code: a, name: 测试, when: 'salary >= 1', level: unit_head}\n".encode()
        r = app_client.post(
            "/api/v1/escalation/rules",
            files={"file": ("r.yaml", bad)},
            headers=auth(app_client, "admin"),
        )
        assert r.status_code == 422
        assert r.json()["error"]["errors"][0]["field"] == "rules[0].when"
        not_yaml = app_client.post(
            "/api/v1/escalation/rules",
            files={"file": ("r.yaml", b"rules: [a, b")},
            headers=auth(app_client, "admin"),
        )
        assert (
            not_yaml.status_code == 422 and not_yaml.json()["error"]["errors"][0]["field"] == "file"
        )
        assert _versions(db) == before

    def test_the_imported_version_is_used(self, app_client: TestClient, db: Database) -> None:
        text = "name: 测试规则\nrules:\n  - {code: any_money, name: 涉及金钱, when: 'amount >= 1', level: top_leaders}\n"
        admin = auth(app_client, "admin")
        try:
            r = app_client.post(
                "/api/v1/escalation/rules",
                files={"file": ("test.yaml", text.encode())},
                headers=admin,
            )
            assert r.status_code == 201, r.text
            version = r.json()["version"]
            assert r.json()["name"] == "测试规则" and [x["code"] for x in r.json()["rules"]] == [
                "any_money"
            ]
            a = make_appeal(app_client, amount="5.00")
            view = escalation(app_client, a["id"])
            assert (view["level"], view["rule"], view["rule_set_version"]) == (
                "top_leaders",
                "any_money",
                version,
            )
            crowd = make_appeal(app_client, crowd_size=50)  # the shipped rules are not in force
            assert escalation(app_client, crowd["id"])["level"] is None
            versions = app_client.get("/api/v1/escalation/rules/versions", headers=admin).json()
            assert (
                versions[0]["version"] == version
                and versions[0]["is_current"]
                and versions[0]["source"] == "test.yaml"
            )
            assert sum(v["is_current"] for v in versions) == 1
        finally:
            shipped = SHIPPED.read_bytes()
            restored = app_client.post(
                "/api/v1/escalation/rules",
                files={"file": ("default_rules.yaml", shipped)},
                headers=admin,
            )
            assert restored.status_code == 201
        assert (
            escalation(app_client, make_appeal(app_client, crowd_size=50)["id"])["level"]
            == "top_leaders"
        )


def _versions(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(EscalationRuleSet)) or 0)
