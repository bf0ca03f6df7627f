"""The worker flags a case past its deadline once, with an event; the overdue filter finds it."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from factories import auth, make_appeal
from sqlalchemy import select

from conftest import START
from minyi.cases.models import Case, CaseEvent
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.worker.runner import run_once


class TestMarkBreaches:
    def test_breach_is_marked_once_with_an_event(self, app_client: TestClient, db: Database) -> None:
        a = make_appeal(app_client, category="TS-01-01-01")
        with db.reading() as session:
            case = session.get(Case, a["id"])
            assert case is not None and case.due_at is not None
            due = case.due_at
        late = ManualClock(due + timedelta(minutes=1))
        early = ManualClock(due - timedelta(minutes=1))
        run_once(db, early)
        with db.reading() as session:
            assert session.get(Case, a["id"]).is_overdue is False  # type: ignore[union-attr]
        while run_once(db, late)["mark_breaches"]:
            pass
        run_once(db, late)
        with db.reading() as session:
            assert session.get(Case, a["id"]).is_overdue is True  # type: ignore[union-attr]
            breaches = session.scalars(select(CaseEvent).where(CaseEvent.case_id == a["id"], CaseEvent.action == "breach")).all()
        assert len(breaches) == 1
        listed = app_client.get("/api/v1/appeals", params={"overdue": True, "q": a["tracking_no"]}, headers=auth(app_client, "supervisor")).json()
        assert [c["id"] for c in listed["items"]] == [a["id"]]

    def test_deadline_follows_the_leaf_policy(self, app_client: TestClient, db: Database) -> None:
        a = make_appeal(app_client, category="TS-01-01-01")
        with db.reading() as session:
            case = session.get(Case, a["id"])
            assert case is not None
            expected = {"10-30-24": timedelta(hours=24), "1-2-3": timedelta(days=3), "xf-statutory": timedelta(days=60)}[case.policy_code]
            assert case.due_at == case.registered_at + expected
            assert case.registered_at <= START + timedelta(days=1)
