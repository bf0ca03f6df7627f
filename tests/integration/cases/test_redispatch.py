"""改派 (redispatch): a dispatcher moves a case to another lead unit before it is signed for; the
case leaves the old units and reaches the new ones, the log says who had it, the clocks run on.
Runs on SQLite and PostgreSQL (the `backend` fixture)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import private_demo_app
from factories import act, auth, make_dispatched
from minyi.cases.models import CaseEvent
from minyi.core.db import Database
from minyi.integrations.models import WebhookDelivery
from minyi.sla.models import Clock


def redispatch(client: TestClient, case_id: int, as_user: str = "dispatcher", **body: Any) -> Any:
    return client.post(
        f"/api/v1/appeals/{case_id}/redispatch", json=body, headers=auth(client, as_user)
    )


def sees(client: TestClient, case_id: int, user: str) -> bool:
    return client.get(f"/api/v1/appeals/{case_id}", headers=auth(client, user)).status_code == 200


def clock_dues(db: Database, case_id: int) -> dict[str, Any]:
    with db.reading() as session:
        rows = session.scalars(
            select(Clock).where(
                Clock.subject == "case", Clock.subject_id == case_id, Clock.state == "running"
            )
        )
        return {c.milestone: c.due_at for c in rows}


class TestRedispatchBeforeSigning:
    def test_moves_the_case_and_logs_who_had_it(self, app_client: TestClient, db: Database) -> None:
        appeal = make_dispatched(app_client, lead="DEP03", co=["DEP04"])
        cid = appeal["id"]
        assert sees(app_client, cid, "dep03.handler") and sees(app_client, cid, "dep04.handler")
        dues = clock_dues(db, cid)
        r = redispatch(
            app_client,
            cid,
            lead_unit="DEP05",
            co_units=["DEP06"],
            reason="诉求涉及燃气管道，属燃气主管部门职责",
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "dispatched" and body["lead_unit"] == "DEP05"
        # The citizen's deadlines keep counting from registration (see cases.service._redispatch).
        assert dues and clock_dues(db, cid) == dues
        # Access moves: the old lead and co-unit lose the case, the new ones gain it.
        assert not sees(app_client, cid, "dep03.handler") and not sees(
            app_client, cid, "dep04.handler"
        )
        assert sees(app_client, cid, "dep05.handler") and sees(app_client, cid, "dep06.handler")
        assert act(app_client, cid, "sign_for", "dep03.handler").status_code == 404
        assert act(app_client, cid, "sign_for", "dep05.handler").status_code == 200
        with db.reading() as session:
            event = session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.action == "redispatch")
            ).one()
            assert (
                event.actor_label == "dispatcher"
                and event.reason == "诉求涉及燃气管道，属燃气主管部门职责"
            )
            assert event.payload["lead_unit"] == "DEP05" and event.payload["co_units"] == ["DEP06"]
            assert event.payload["from_lead_unit"] == "DEP03" and event.payload[
                "from_co_units"
            ] == ["DEP04"]

    def test_the_same_units_again_is_refused(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP03")
        r = redispatch(app_client, appeal["id"], lead_unit="DEP03", reason="重复")
        assert r.status_code == 422 and r.json()["error"]["code"] == "same_units"

    def test_a_handler_may_not_redispatch(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP03")
        assert (
            redispatch(
                app_client, appeal["id"], as_user="dep03.head", lead_unit="DEP05", reason="x"
            ).status_code
            == 403
        )

    def test_a_reason_is_required(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP03")
        assert redispatch(app_client, appeal["id"], lead_unit="DEP05", reason="").status_code == 422


class TestRedispatchAfterSigning:
    def test_is_refused_in_chinese_and_changes_nothing(
        self, app_client: TestClient, db: Database
    ) -> None:
        appeal = make_dispatched(app_client, lead="DEP03")
        cid = appeal["id"]
        assert act(app_client, cid, "sign_for", "dep03.handler").status_code == 200
        r = redispatch(app_client, cid, lead_unit="DEP05", reason="改由燃气部门办理")
        assert r.status_code == 409
        error = r.json()["error"]
        assert error["code"] == "already_signed_for" and "已签收" in error["message"]
        assert sees(app_client, cid, "dep03.handler") and not sees(app_client, cid, "dep05.handler")
        with db.reading() as session:
            actions = session.scalars(
                select(CaseEvent.action).where(CaseEvent.case_id == cid)
            ).all()
        assert "redispatch" not in actions

    def test_the_generic_action_route_refuses_the_same_way(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP03")
        act(app_client, appeal["id"], "sign_for", "dep03.handler")
        r = act(app_client, appeal["id"], "redispatch", "dispatcher", lead_unit="DEP05", reason="x")
        assert r.status_code == 409 and r.json()["error"]["code"] == "already_signed_for"


class TestRedispatchWhileABounceWaits:
    def test_the_bounce_is_decided_first(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP03")
        assert (
            act(
                app_client, appeal["id"], "bounce", "dep03.handler", reason="不属于本单位职责"
            ).status_code
            == 200
        )
        r = redispatch(app_client, appeal["id"], lead_unit="DEP05", reason="改派")
        assert r.status_code == 409 and r.json()["error"]["code"] == "bounce_pending"


class TestRedispatchNotifies:
    def test_subscribers_hear_of_it_as_they_hear_of_a_dispatch(
        self,
        backend: str,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> None:
        # A subscriber of its own database: on the shared one it would hear every other test.
        with private_demo_app(backend, tmp_path_factory.mktemp("redispatch-hooks")) as (
            client,
            db,
            _,
        ):
            body = {
                "name": "ops",
                "url": "http://127.0.0.1:9/hook",
                "events": ["case.dispatch", "case.redispatch"],
            }
            assert (
                client.post(
                    "/api/v1/webhooks", json=body, headers=auth(client, "admin")
                ).status_code
                == 201
            )
            appeal = make_dispatched(client, lead="DEP03")
            assert (
                redispatch(
                    client, appeal["id"], lead_unit="DEP05", reason="改由人社部门办理"
                ).status_code
                == 200
            )
            with db.reading() as session:
                events = session.scalars(
                    select(WebhookDelivery.event)
                    .where(WebhookDelivery.case_id == appeal["id"])
                    .order_by(WebhookDelivery.id)
                ).all()
            assert events == ["case.dispatch", "case.redispatch"]
