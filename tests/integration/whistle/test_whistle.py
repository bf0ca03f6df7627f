"""The whistle through the real stack: blow, report in, act, confirm; scope, refusals, the case
timeline, the report-in clocks and the response figures per department."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import START
from factories import act, auth, make_appeal
from minyi.cases.models import CaseEvent
from minyi.cases.queries import CaseFilter, page_cases, shown_titles, titles_of_rows
from minyi.cases.rules import OPEN
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.org.models import Unit
from minyi.org.service import actor_for_username
from minyi.sla.hooks import notify_fired
from minyi.sla.models import Clock
from minyi.whistle.models import Summons, Whistle
from minyi.whistle.queries import response_facts
from minyi.whistle.rules import response_by_department
from minyi.whistle.service import blow_whistle, report_in


def blow(client: TestClient, user: str, **body: Any) -> Any:
    body.setdefault("description", "小区消防通道被占用，需城管、消防联合处置")
    return client.post("/api/v1/whistles", json=body, headers=auth(client, user))


def post(client: TestClient, whistle_id: int, what: str, user: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/whistles/{whistle_id}/{what}", json=body, headers=auth(client, user)
    )


def summons(view: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(s for s in view["summonses"] if s["unit"] == unit)


def whistle_count(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Whistle)) or 0)


def case_actions(db: Database, case_id: int) -> list[CaseEvent]:
    with db.reading() as session:
        return list(
            session.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case_id, CaseEvent.action.like("whistle%"))
                .order_by(CaseEvent.id)
            )
        )


class TestFullCycle:
    def test_blow_report_in_act_confirm(self, app_client: TestClient, db: Database) -> None:
        r = blow(
            app_client,
            "s01c02.staff",
            units=["DEP31", "DEP34"],
            place="S01C02",
            address="翠湖苑3栋",
        )
        assert r.status_code == 201, r.text
        w = r.json()
        assert (w["status"], w["issuer"]["username"], w["issuer_unit"], w["place"]) == (
            "open",
            "s01c02.staff",
            "S01C02",
            "S01C02",
        )
        assert w["report_within_minutes"] == 30 and w["case_id"] is None
        for s in w["summonses"]:
            assert s["stage"] == "summoned"
            assert datetime.fromisoformat(s["due_at"]) - datetime.fromisoformat(
                s["summoned_at"]
            ) == timedelta(minutes=30)
        with db.reading() as session:
            ids = session.scalars(select(Summons.id).where(Summons.whistle_id == w["id"])).all()
            clocks = session.scalars(
                select(Clock).where(Clock.subject == "summons", Clock.subject_id.in_(ids))
            ).all()
        assert sorted((c.milestone, c.state) for c in clocks) == [("report_in", "running")] * 2

        r = post(app_client, w["id"], "report-in", "dep31.handler")
        assert r.status_code == 200, r.text
        assert (
            summons(r.json(), "DEP31")["stage"] == "reported"
            and summons(r.json(), "DEP31")["reported_on_time"] is True
        )
        assert summons(r.json(), "DEP31")["reported_by"] == "dep31.handler"
        with db.reading() as session:
            states = dict(
                session.execute(
                    select(Unit.code, Clock.state)
                    .join(Summons, Summons.id == Clock.subject_id)
                    .join(Unit, Unit.id == Summons.unit_id)
                    .where(Clock.subject == "summons", Summons.whistle_id == w["id"])
                ).all()
            )
        assert states == {"DEP31": "met", "DEP34": "running"}
        assert post(app_client, w["id"], "report-in", "dep31.head").status_code == 409

        early = post(app_client, w["id"], "act", "dep34.head", text="已派员")
        assert early.status_code == 409 and early.json()["error"]["code"] == "not_reported_in"
        empty = post(app_client, w["id"], "act", "dep31.handler", text=" ")
        assert empty.status_code == 422 and empty.json()["error"]["errors"][0]["field"] == "text"
        r = post(app_client, w["id"], "act", "dep31.handler", text="已清理占道杂物，恢复消防通道")
        assert summons(r.json(), "DEP31")["stage"] == "acted"

        all_at_once = post(app_client, w["id"], "confirm", "s01c02.staff")
        assert all_at_once.status_code == 409 and all_at_once.json()["error"]["units"] == ["DEP34"]
        assert post(app_client, w["id"], "confirm", "dep31.handler").status_code == 403
        assert (
            post(app_client, w["id"], "confirm", "s01.staff").status_code == 403
        )  # the street sees it, but did not issue it
        r = post(app_client, w["id"], "confirm", "s01c02.staff", unit="DEP31", note="现场已核实")
        assert r.status_code == 200 and r.json()["status"] == "open"
        assert summons(r.json(), "DEP31")["stage"] == "confirmed"
        assert post(app_client, w["id"], "act", "dep31.handler", text="再次").status_code == 409

        assert post(app_client, w["id"], "report-in", "dep34.handler").status_code == 200
        assert (
            post(app_client, w["id"], "act", "dep34.handler", text="消防检查已完成").status_code
            == 200
        )
        r = post(app_client, w["id"], "confirm", "s01c02.staff")
        assert (
            r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["confirmed_at"]
        )
        assert post(app_client, w["id"], "confirm", "s01c02.staff").status_code == 409

    def test_a_longer_window(self, app_client: TestClient) -> None:
        w = blow(
            app_client, "s02.staff", units=["DEP13"], place="S02", report_within_minutes=120
        ).json()
        s = w["summonses"][0]
        assert datetime.fromisoformat(s["due_at"]) - datetime.fromisoformat(
            s["summoned_at"]
        ) == timedelta(hours=2)


class TestOnACase:
    def test_each_step_is_on_the_case_timeline(self, app_client: TestClient, db: Database) -> None:
        a = make_appeal(app_client, street="S02", community="S02C03")
        r = blow(
            app_client,
            "s02.staff",
            units=["DEP02"],
            case_id=a["id"],
            description="占道经营反复出现，请城管报到",
        )
        assert r.status_code == 201, r.text
        w = r.json()
        assert (w["case_id"], w["place"]) == (a["id"], "S02C03")  # the case's own place
        post(app_client, w["id"], "report-in", "dep02.handler")
        post(app_client, w["id"], "act", "dep02.handler", text="已现场整治")
        post(app_client, w["id"], "confirm", "s02.staff")
        log = case_actions(db, a["id"])
        assert [e.action for e in log] == [
            "whistle",
            "whistle_report_in",
            "whistle_act",
            "whistle_confirm",
        ]
        assert log[0].payload["units"] == ["DEP02"] and log[0].actor_label == "s02.staff"
        assert log[1].payload["on_time"] is True and log[1].actor_label == "dep02.handler"
        listed = app_client.get(
            "/api/v1/whistles", params={"case_id": a["id"]}, headers=auth(app_client, "supervisor")
        ).json()
        assert [x["id"] for x in listed["items"]] == [w["id"]]

    def test_a_case_outside_the_area_is_not_found(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, street="S02")
        assert blow(app_client, "s01.staff", units=["DEP02"], case_id=a["id"]).status_code == 404

    def test_a_closed_case(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, street="S02")
        assert act(app_client, a["id"], "decline", "clerk", reason="重复").status_code == 200
        r = blow(app_client, "s02.staff", units=["DEP02"], case_id=a["id"])
        assert r.status_code == 409 and r.json()["error"]["code"] == "case_not_open"

    def test_a_missed_report_in_is_noted_on_the_case(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        a = make_appeal(app_client, street="S03")
        w = blow(app_client, "s03.staff", units=["DEP15"], case_id=a["id"]).json()
        with db.unit_of_work() as session:
            sid = session.scalar(select(Summons.id).where(Summons.whistle_id == w["id"]))
            c = session.scalars(
                select(Clock).where(Clock.subject == "summons", Clock.subject_id == sid)
            ).one()
            c.state, c.breached_at, c.next_fire_at = "breached", clock.now(), None
            notify_fired(session, c, "breach", clock.now())
        overdue = [e for e in case_actions(db, a["id"]) if e.action == "whistle_overdue"]
        assert (
            len(overdue) == 1
            and overdue[0].payload["unit"] == "DEP15"
            and overdue[0].actor_label == "system"
        )
        assert "未在时限内报到" in (overdue[0].reason or "")
        # a summons clock is not a case clock: no escalation from it
        with db.reading() as session:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(CaseEvent)
                    .where(CaseEvent.case_id == a["id"], CaseEvent.action == "escalate")
                )
                == 0
            )


class TestRefused:
    def test_refusals_name_the_field_and_write_nothing(
        self, app_client: TestClient, db: Database
    ) -> None:
        before = whistle_count(db)
        cases = [
            ("dep01.head", {"units": ["DEP02"], "place": "S01"}, 403, None),
            ("leader01", {"units": ["DEP02"], "place": "S01"}, 403, None),
            ("s01.staff", {"units": ["NOPE"], "place": "S01"}, 422, "units"),
            ("s01.staff", {"units": ["S02"], "place": "S01"}, 422, "units"),
            ("s01.staff", {"units": ["DEP02", "DEP02"], "place": "S01"}, 422, "units"),
            ("s01.staff", {"units": [], "place": "S01"}, 422, "units"),
            ("s01c01g01.staff", {"units": ["DEP02"], "place": "S01C02"}, 422, "place"),
            ("s01.staff", {"units": ["DEP02"], "place": "S02"}, 422, "place"),
            ("s01.staff", {"units": ["DEP02"], "place": "DEP02"}, 422, "place"),
            ("s01.staff", {"units": ["DEP02"]}, 422, "place"),
            (
                "s01.staff",
                {"units": ["DEP02"], "place": "S01", "report_within_minutes": 0},
                422,
                "report_within_minutes",
            ),
            (
                "s01.staff",
                {"units": ["DEP02"], "place": "S01", "description": "  "},
                422,
                "description",
            ),
        ]
        for user, body, status, field in cases:
            r = blow(app_client, user, **body)
            assert r.status_code == status, (user, body, r.text)
            if field:
                assert r.json()["error"]["errors"][0]["field"] == field, (body, r.text)
        assert whistle_count(db) == before

    def test_a_grid_whistles_in_its_own_grid(self, app_client: TestClient) -> None:
        assert (
            blow(app_client, "s01c01g01.staff", units=["DEP02"], place="S01C01G01").status_code
            == 201
        )
        assert (
            blow(app_client, "s01c01.staff", units=["DEP02"], place="S01C01G01").status_code == 201
        )


class TestScope:
    def test_who_sees_a_whistle(self, app_client: TestClient) -> None:
        w = blow(app_client, "s03c01.staff", units=["DEP32"], place="S03C01").json()
        for user, status in [
            ("dep32.handler", 200),
            ("dep33.handler", 404),
            ("s03.staff", 200),
            ("s04.staff", 404),
            ("supervisor", 200),
            ("leader01", 200),
            ("s03c02.staff", 404),
        ]:
            assert (
                app_client.get(
                    f"/api/v1/whistles/{w['id']}", headers=auth(app_client, user)
                ).status_code
                == status
            ), user
        assert post(app_client, w["id"], "report-in", "dep33.handler").status_code == 404
        assert post(app_client, w["id"], "report-in", "s03.staff").status_code == 403
        mine = app_client.get(
            "/api/v1/whistles", params={"page_size": 200}, headers=auth(app_client, "dep32.head")
        ).json()
        assert w["id"] in [x["id"] for x in mine["items"]]
        other = app_client.get(
            "/api/v1/whistles", params={"page_size": 200}, headers=auth(app_client, "dep33.head")
        ).json()
        assert w["id"] not in [x["id"] for x in other["items"]]
        by_unit = app_client.get(
            "/api/v1/whistles",
            params={"unit": "DEP32", "status": "open", "page_size": 200},
            headers=auth(app_client, "supervisor"),
        ).json()
        assert w["id"] in [x["id"] for x in by_unit["items"]]
        assert (
            app_client.get(
                "/api/v1/whistles", params={"unit": "NOPE"}, headers=auth(app_client, "supervisor")
            ).status_code
            == 422
        )


class TestResponseFigures:
    def test_rate_and_median_per_department(self, app_client: TestClient, db: Database) -> None:
        # A day of its own, far from the other tests' clock, so the figures are this test's.
        t = START + timedelta(days=100)
        with db.unit_of_work() as session:
            issuer = actor_for_username(session, "s05c01.staff")
            ids = [
                blow_whistle(
                    session,
                    actor=issuer,
                    description=f"第{n}次发令",
                    units=["DEP35", "DEP36"],
                    place="S05C01",
                    now=t,
                ).id
                for n in range(2)
            ]
        late = [
            (ids[0], "dep35.handler", 10),
            (ids[0], "dep36.handler", 45),
            (ids[1], "dep35.head", 20),
        ]
        for whistle_id, user, minutes in late:
            with db.unit_of_work() as session:
                report_in(
                    session,
                    whistle_id,
                    actor=actor_for_username(session, user),
                    now=t + timedelta(minutes=minutes),
                )
        with db.reading() as session:
            figures = {
                d.unit: d
                for d in response_by_department(
                    response_facts(session, since=t, until=t + timedelta(minutes=1))
                )
            }
        assert set(figures) == {"DEP35", "DEP36"}
        assert (
            figures["DEP35"].summoned,
            figures["DEP35"].on_time,
            figures["DEP35"].response_rate,
            figures["DEP35"].median_minutes,
        ) == (2, 2, 1.0, 15.0)
        assert (
            figures["DEP36"].summoned,
            figures["DEP36"].reported,
            figures["DEP36"].on_time,
            figures["DEP36"].response_rate,
        ) == (2, 1, 0, 0.0)
        assert figures["DEP36"].median_minutes == 45.0
        r = app_client.get(
            "/api/v1/whistles/stats",
            params={"since": t.isoformat(), "until": (t + timedelta(minutes=1)).isoformat()},
            headers=auth(app_client, "supervisor"),
        )
        assert r.status_code == 200
        assert [
            (d["unit"], d["response_rate"], d["median_response_minutes"]) for d in r.json()
        ] == [("DEP36", 0.0, 45.0), ("DEP35", 1.0, 15.0)]
        late_view = app_client.get(
            f"/api/v1/whistles/{ids[0]}", headers=auth(app_client, "supervisor")
        ).json()
        assert summons(late_view, "DEP36")["reported_on_time"] is False


class TestWhistleFormCases:
    def test_the_form_titles_read_as_the_reader_sees_them(
        self, app_client: TestClient, db: Database
    ) -> None:
        """The form's open cases are titled from the page's own rows (`titles_of_rows`, no second
        read of the cases): the same titles as `shown_titles`, a caller's name masked."""
        made = make_appeal(app_client, title="王建国反映小区路灯不亮", name="王建国", street="S01")
        with db.reading() as session:
            for user in ("s01.staff", "supervisor"):
                actor = actor_for_username(session, user)
                rows = page_cases(
                    session,
                    actor,
                    CaseFilter(status=list(OPEN)),
                    cursor=None,
                    size=200,
                    count=False,
                ).rows
                assert rows, user
                titles = titles_of_rows(session, actor, rows)
                assert titles == shown_titles(session, actor, [c.id for c, _ in rows]), user
            staff = actor_for_username(session, "s01.staff")
            mine = page_cases(
                session,
                staff,
                CaseFilter(status=list(OPEN), q=made["tracking_no"]),
                cursor=None,
                size=5,
                count=False,
            ).rows
            assert [c.id for c, _ in mine] == [made["id"]]
            title = titles_of_rows(session, staff, mine)[made["id"]]
            assert "王建国" not in title and "路灯不亮" in title
