"""The desk services on both backends: a caller's earlier appeals through the privacy policy and
the reader's scope, and the decision taken at the desk, once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import START
from factories import act, make_appeal, unique_phone
from minyi.cases.models import Case, CaseEvent
from minyi.core.db import Database
from minyi.intake.desk import decide_at_desk, earlier_appeals
from minyi.org.service import actor_for_username


class TestEarlierAppeals:
    def test_the_clerk_finds_the_callers_appeals_newest_first(
        self, app_client: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        first = make_appeal(app_client, phone=phone, title="第一件")
        second = make_appeal(app_client, phone=phone, title="第二件")
        assert (
            act(app_client, first["id"], "decline", "clerk", reason="不属受理范围").status_code
            == 200
        )
        with db.reading() as session:
            total, items = earlier_appeals(session, actor_for_username(session, "clerk"), phone)
        assert total == 2
        assert {i.tracking_no for i in items} == {first["tracking_no"], second["tracking_no"]}
        assert [i.is_open for i in items if i.case_id == first["id"]] == [False]
        assert items[0].registered_at >= items[1].registered_at

    @pytest.mark.parametrize("reader", ["admin", "secretary", "supervisor"])
    def test_readers_who_see_the_number_masked_find_nothing_by_it(
        self, app_client: TestClient, db: Database, reader: str
    ) -> None:
        phone = unique_phone()
        make_appeal(app_client, phone=phone)
        with db.reading() as session:
            assert earlier_appeals(session, actor_for_username(session, reader), phone) == (0, [])

    def test_a_unit_finds_only_the_cases_it_handles(
        self, app_client: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        mine = make_appeal(app_client, phone=phone)
        other = make_appeal(app_client, phone=phone)
        for case in (mine, other):
            assert act(app_client, case["id"], "accept", "clerk").status_code == 200
        assert (
            act(
                app_client, mine["id"], "dispatch", "dispatcher", lead_unit="DEP03", co_units=[]
            ).status_code
            == 200
        )
        with db.reading() as session:
            total, items = earlier_appeals(
                session, actor_for_username(session, "dep03.handler"), phone
            )
        assert (total, [i.case_id for i in items]) == (1, [mine["id"]])

    def test_the_accused_unit_never_finds_the_complainant(
        self, app_client: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        case = make_appeal(app_client, phone=phone)
        with db.unit_of_work() as session:
            session.scalars(
                select(Case).where(Case.id == case["id"])
            ).one().identity_hidden_from = ["DISPATCH"]
        with db.reading() as session:
            assert earlier_appeals(session, actor_for_username(session, "clerk"), phone) == (0, [])
            assert (
                earlier_appeals(session, actor_for_username(session, "dispatcher"), phone)[0] == 0
            )


class TestDecision:
    def test_a_replayed_form_does_not_decide_twice(
        self, app_client: TestClient, db: Database
    ) -> None:
        case = make_appeal(app_client, phone=unique_phone())
        for _ in range(2):
            with db.unit_of_work() as session:
                status = decide_at_desk(
                    session,
                    case["id"],
                    decision="accept",
                    reason=None,
                    actor=actor_for_username(session, "clerk"),
                    now=START,
                )
            assert status == "accepted"
        with db.reading() as session:
            n = session.scalar(
                select(func.count())
                .select_from(CaseEvent)
                .where(CaseEvent.case_id == case["id"], CaseEvent.action == "accept")
            )
        assert n == 1

    def test_a_colleagues_decision_stands(self, app_client: TestClient, db: Database) -> None:
        case = make_appeal(app_client, phone=unique_phone())
        assert (
            act(
                app_client, case["id"], "decline", "dispatcher", reason="重复来电，已并案"
            ).status_code
            == 200
        )
        with db.unit_of_work() as session:
            status = decide_at_desk(
                session,
                case["id"],
                decision="accept",
                reason=None,
                actor=actor_for_username(session, "clerk"),
                now=START,
            )
        assert status == "declined"
