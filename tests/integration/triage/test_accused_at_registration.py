"""The complaint-target check runs before anyone can read or dispatch a case, on both backends.

Intake's group commit writes the case with the accused units already hidden from (triage's
planner), with no worker run in between; a case that skipped the check (an import, a legacy
row, a failed check) is masked for every unit until a dispatch or the worker's sweep checks it.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from factories import act, auth, make_appeal
from minyi.cases.models import Case, CaseEvent
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.triage.jobs import check_accused_job
from minyi.wiring import build_registry

ACCUSED_BODY = "投诉竹林社区居委会不处理楼道堆物，我打了好几次电话，程先生13912345678"
PLAIN_BODY = "竹林社区楼道里堆满杂物，影响通行，请帮忙协调清理。"
PLACE = {"street": "S01", "community": "S01C03", "grid": "S01C03G01", "phone": "13912345678"}


def detail(client: TestClient, case_id: int, user: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/appeals/{case_id}", headers=auth(client, user))
    assert r.status_code == 200, r.text
    return dict(r.json())


def hide_events(db: Database, case_id: int) -> list[tuple[str, Any]]:
    with db.reading() as session:
        rows = session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.action == "hide_identity"
            )
        )
        return [(e.actor_label, e.payload) for e in rows]


def unchecked(db: Database, case_id: int) -> None:
    """As a row written by a path that skipped the planner."""
    with db.unit_of_work() as session:
        session.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(accused_checked_at=None, identity_hidden_from=None)
        )


class TestAtRegistration:
    def test_the_case_is_written_hidden_from_the_accused_unit(
        self, app_client: TestClient, db: Database
    ) -> None:
        made = make_appeal(
            app_client, title="投诉社区不作为", body=ACCUSED_BODY, name="程先生", **PLACE
        )
        with db.reading() as session:
            case = session.get(Case, made["id"])
            assert case is not None
            assert case.identity_hidden_from == ["S01C03"] and case.accused_checked_at is not None
        assert hide_events(db, made["id"]) == [("triage", {"units": ["S01C03"]})]
        # No worker has run: the community and its grid already read the case masked.
        for user in ("s01c03.staff", "s01c03g01.staff"):
            seen = detail(app_client, made["id"], user)
            assert (
                seen["citizen_name"] is None
                and "程先生" not in str(seen)
                and "13912345678" not in str(seen)
            ), user
        assert detail(app_client, made["id"], "dispatcher")["citizen_name"] == "程先生"

    def test_a_case_accusing_nobody_is_checked_and_read_as_usual(
        self, app_client: TestClient, db: Database
    ) -> None:
        made = make_appeal(app_client, title="楼道堆物", body=PLAIN_BODY, name="程先生", **PLACE)
        with db.reading() as session:
            case = session.get(Case, made["id"])
            assert (
                case is not None
                and case.accused_checked_at is not None
                and not case.identity_hidden_from
            )
        assert hide_events(db, made["id"]) == []
        # Not accused: the community reads the name as any unit not handling it does (masked, not hidden).
        assert detail(app_client, made["id"], "s01c03.staff")["citizen_name"] == "某先生"


class TestUnchecked:
    def test_every_unit_reads_it_masked_until_checked(
        self, app_client: TestClient, db: Database
    ) -> None:
        made = make_appeal(app_client, title="楼道堆物", body=PLAIN_BODY, name="程先生", **PLACE)
        unchecked(db, made["id"])
        for user in ("s01c03.staff", "s01.staff"):
            assert detail(app_client, made["id"], user)["citizen_name"] is None, user
        assert detail(app_client, made["id"], "dispatcher")["citizen_name"] == "程先生"

    def test_a_dispatch_runs_the_check_first(self, app_client: TestClient, db: Database) -> None:
        made = make_appeal(
            app_client, title="投诉社区不作为", body=ACCUSED_BODY, name="程先生", **PLACE
        )
        unchecked(db, made["id"])
        assert act(app_client, made["id"], "accept", "clerk").status_code == 200
        r = act(app_client, made["id"], "dispatch", "dispatcher", lead_unit="S01C03")
        assert r.status_code == 409 and r.json()["error"]["code"] == "accused_unit", r.text
        # The refused dispatch kept nothing; the one that follows checks again and goes to the street.
        r = act(app_client, made["id"], "dispatch", "dispatcher", lead_unit="S01")
        assert r.status_code == 200, r.text
        with db.reading() as session:
            case = session.get(Case, made["id"])
            assert (
                case is not None
                and case.identity_hidden_from == ["S01C03"]
                and case.accused_checked_at
            )
        assert [p for _, p in hide_events(db, made["id"])][-1] == {"units": ["S01C03"]}
        assert detail(app_client, made["id"], "s01c03.staff")["citizen_name"] is None
        assert detail(app_client, made["id"], "s01.staff")["citizen_name"] == "程先生"

    def test_the_worker_sweep_checks_what_is_left(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        made = make_appeal(
            app_client, title="投诉社区不作为", body=ACCUSED_BODY, name="程先生", **PLACE
        )
        unchecked(db, made["id"])
        assert "check_accused" in build_registry().jobs  # the worker runs it
        while True:
            with db.unit_of_work() as session:
                if not check_accused_job(session, now=clock.now()):
                    break
        with db.reading() as session:
            case = session.get(Case, made["id"])
            assert (
                case is not None
                and case.identity_hidden_from == ["S01C03"]
                and case.accused_checked_at
            )
        assert (
            detail(app_client, made["id"], "s01.staff")["citizen_name"] == "某先生"
        )  # masked, not hidden
        assert detail(app_client, made["id"], "s01c03.staff")["citizen_name"] is None
