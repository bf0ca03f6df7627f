"""How a grid event is handled, on both databases: solved in the grid (小事一格解决) through the
lifecycle, a grid whistle (网格吹哨、部门报到) and its 双报到 response rate, or passed to the
dispatcher; one choice per event, refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import act, auth
from minyi.cases.models import Case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.grassroots.models import Building, Patrol
from minyi.grassroots.queries import patrol_figures
from minyi.org.models import Unit
from minyi.org.service import actor_for_username
from minyi.whistle.models import Summons
from minyi.whistle.service import report_in


def building_id(db: Database, code: str) -> int:
    with db.reading() as session:
        found = session.scalar(select(Building.id).where(Building.code == code))
        assert found is not None
        return int(found)


def raise_event(
    client: TestClient, user: str, building: int, handling: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "building_id": building,
        "finding": "楼道堆放杂物堵塞消防通道",
        "raise_event": True,
    }
    if handling is not None:
        body["handling"] = handling
    r = client.post("/api/v1/grassroots/patrols", json=body, headers=auth(client, user))
    assert r.status_code == 201, r.text
    return dict(r.json())


def choose(client: TestClient, user: str, patrol_id: int, **body: Any) -> Any:
    return client.post(
        f"/api/v1/grassroots/patrols/{patrol_id}/handling", json=body, headers=auth(client, user)
    )


def case_of(db: Database, case_id: int) -> tuple[str, str | None]:
    with db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None
        lead = session.scalar(select(Unit.code).where(Unit.id == case.lead_unit_id))
        return case.status, lead


class TestSolvedInTheGrid:
    def test_what_was_done_on_the_spot_closes_the_case_at_once(
        self, app_client: TestClient, db: Database
    ) -> None:
        patrol = raise_event(
            app_client,
            "s01c05g01.staff",
            building_id(db, "S01C05G01-B1"),
            {"handling": "grid", "solved": "已联系物业当场清理杂物，通道畅通"},
        )
        assert patrol["handling"] == "grid"
        assert case_of(db, patrol["case_id"]) == ("replied", "S01C05G01")

    def test_without_it_the_community_leads_and_closes_it_later(
        self, app_client: TestClient, db: Database
    ) -> None:
        patrol = raise_event(app_client, "s01c06.staff", building_id(db, "S01C06G02-B1"))
        assert case_of(db, patrol["case_id"]) == ("registered", None)
        r = choose(app_client, "s01c06.staff", patrol["id"], handling="grid")
        assert r.status_code == 200, r.text
        assert r.json()["handling"] == "grid"
        assert case_of(db, patrol["case_id"]) == ("dispatched", "S01C06")
        # A double press is harmless; another choice afterwards is refused.
        assert choose(app_client, "s01c06.staff", patrol["id"], handling="grid").status_code == 200
        other = choose(app_client, "s01c06.staff", patrol["id"], handling="dispatch")
        assert other.status_code == 409
        assert other.json()["error"]["code"] == "already_handled"
        # Through the lifecycle, as any lead unit: sign for, reply.
        assert act(app_client, patrol["case_id"], "sign_for", "s01c06.staff").status_code == 200
        r = act(app_client, patrol["case_id"], "reply", "s01c06.staff", text="社区已协调清理")
        assert r.status_code == 200, r.text
        assert case_of(db, patrol["case_id"])[0] == "replied"

    def test_an_event_triage_sent_elsewhere_is_taken_back_until_signed_for(
        self, app_client: TestClient, db: Database
    ) -> None:
        first = raise_event(app_client, "s01c05g01.staff", building_id(db, "S01C05G01-B2"))
        for action, user, body in (
            ("accept", "clerk", {}),
            ("dispatch", "dispatcher", {"lead_unit": "DEP01", "co_units": []}),
        ):
            assert act(app_client, first["case_id"], action, user, **body).status_code == 200
        assert (
            choose(app_client, "s01c05g01.staff", first["id"], handling="grid").status_code == 200
        )
        assert case_of(db, first["case_id"]) == ("dispatched", "S01C05G01")

        second = raise_event(app_client, "s01c05g01.staff", building_id(db, "S01C05G01-B3"))
        act(app_client, second["case_id"], "accept", "clerk")
        act(app_client, second["case_id"], "dispatch", "dispatcher", lead_unit="DEP01", co_units=[])
        assert act(app_client, second["case_id"], "sign_for", "dep01.handler").status_code == 200
        r = choose(app_client, "s01c05g01.staff", second["id"], handling="grid")
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "case_taken"
        assert case_of(db, second["case_id"]) == ("signed_for", "DEP01")
        with db.reading() as session:
            row = session.get(Patrol, second["id"])
            assert row is not None and row.handling is None


class TestWhistle:
    def test_departments_report_in_and_the_response_rate_counts_whole_whistles(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        building = building_id(db, "S01C07G01-B1")
        both = raise_event(
            app_client,
            "s01c07g01.staff",
            building,
            {"handling": "whistle", "units": ["DEP31", "DEP34"], "report_within_minutes": 30},
        )
        one = raise_event(
            app_client,
            "s01c07g01.staff",
            building,
            {"handling": "whistle", "units": ["DEP31"], "report_within_minutes": 30},
        )
        assert both["handling"] == "whistle" and both["whistle_id"]
        assert case_of(db, both["case_id"]) == ("dispatched", "S01C07G01")
        now = clock.now()
        with db.unit_of_work() as session:
            dep31 = actor_for_username(session, "dep31.handler")
            report_in(session, both["whistle_id"], actor=dep31, now=now + timedelta(minutes=5))
            report_in(session, one["whistle_id"], actor=dep31, now=now + timedelta(minutes=10))
            assert (
                len(
                    session.scalars(
                        select(Summons).where(Summons.whistle_id == both["whistle_id"])
                    ).all()
                )
                == 2
            )
        with db.reading() as session:
            grid = session.scalar(select(Unit).where(Unit.code == "S01C07G01"))
            assert grid is not None
            # While DEP34's clock runs, that whistle is not yet counted either way.
            early = patrol_figures(session, grid, now=now + timedelta(minutes=15))
            assert (early.whistles, early.decided, early.answered) == (2, 1, 1)
            late = patrol_figures(session, grid, now=now + timedelta(hours=2))
            assert (late.whistles, late.decided, late.answered) == (2, 2, 1)
            assert late.response_rate == 0.5
        figures = app_client.get(
            "/api/v1/grassroots/figures",
            params={"area": "S01C07G01"},
            headers=auth(app_client, "s01c07.staff"),
        ).json()
        # As of the app's clock (other tests may have moved it on): whichever are decided.
        assert figures["whistles"] == 2 and figures["response_rate"] in (0.5, 1.0)

    def test_a_whistle_needs_departments_and_changes_nothing_without(
        self, app_client: TestClient, db: Database
    ) -> None:
        patrol = raise_event(app_client, "s01c07g01.staff", building_id(db, "S01C07G01-B2"))
        r = choose(app_client, "s01c07g01.staff", patrol["id"], handling="whistle", units=[])
        assert r.status_code == 422
        assert r.json()["error"]["message"] == "请选择要吹哨召集的部门"
        bad = choose(app_client, "s01c07g01.staff", patrol["id"], handling="whistle", units=["S01"])
        assert bad.status_code == 422
        assert case_of(db, patrol["case_id"]) == ("registered", None)
        with db.reading() as session:
            row = session.get(Patrol, patrol["id"])
            assert row is not None and (row.handling, row.whistle_id) == (None, None)


class TestDispatchAndRefusals:
    def test_passed_to_the_dispatcher_the_case_waits_for_dispatch(
        self, app_client: TestClient, db: Database
    ) -> None:
        patrol = raise_event(
            app_client,
            "s01c08g01.staff",
            building_id(db, "S01C08G01-B1"),
            {"handling": "dispatch"},
        )
        assert patrol["handling"] == "dispatch"
        assert case_of(db, patrol["case_id"]) == ("registered", None)

    def test_who_may_choose_and_on_what(self, app_client: TestClient, db: Database) -> None:
        building = building_id(db, "S01C08G01-B2")
        quiet = app_client.post(
            "/api/v1/grassroots/patrols",
            json={"building_id": building, "finding": "一切正常"},
            headers=auth(app_client, "s01c08g01.staff"),
        ).json()
        r = choose(app_client, "s01c08g01.staff", quiet["id"], handling="grid")
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "not_raised"
        patrol = raise_event(app_client, "s01c08g01.staff", building)
        # A department's handler is no grid staff; another community's staff do not see it.
        assert choose(app_client, "dep01.handler", patrol["id"], handling="grid").status_code in (
            403,
            404,
        )
        assert choose(app_client, "s02c01.staff", patrol["id"], handling="grid").status_code == 404
        bad = choose(app_client, "s01c08g01.staff", patrol["id"], handling="elsewhere")
        assert bad.status_code == 422
        assert case_of(db, patrol["case_id"]) == ("registered", None)
