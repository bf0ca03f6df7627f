"""The area roll-up (analytics/rollups.py) against counting every case, on both backends.

Two days of cases in S01 and two of its communities; the first day is folded in by the job, then
its cases change: one closed late, one reopened after its feedback, one re-dispatched, the rest
breached by the clocks (overdue). Every street's and community's figures and the district's open
and overdue counts must equal the direct count: before the job folds the changes in (the day
marks make the read count that day live), after it, and after a rebuild. The folded rows alone
(the marks ignored) are asserted stale, so a missing mark would fail the comparison.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import or_, select

from conftest import START, private_demo_app
from factories import act, make_dispatched, reply
from minyi.analytics.models import AreaTotal
from minyi.analytics.rollups import (
    FIGURES,
    Figures,
    case_figures,
    leader_board_figures,
    marked_days,
    rebuild_area_rollup,
    roll_up_areas,
    rolled_figures,
)
from minyi.cases.models import Case, CaseDayMark
from minyi.core.clock import ManualClock, local_day
from minyi.core.db import Database
from minyi.core.settings import Settings
from minyi.org.models import LeaderArea, Unit
from minyi.worker.runner import run_job


def direct(session: Any, unit_id: int | None) -> Figures:
    where = (
        or_(Case.street_id == unit_id, Case.community_id == unit_id)
        if unit_id is not None
        else True
    )
    return Figures(
        *(int(v or 0) for v in session.execute(select(*case_figures()).where(where)).one())
    )


def folded_only(session: Any, unit_id: int) -> Figures:
    """The totals alone, as if no day were marked."""
    rows = session.execute(
        select(*(getattr(AreaTotal, f) for f in FIGURES)).where(
            or_(AreaTotal.street_id == unit_id, AreaTotal.community_id == unit_id)
        )
    ).all()
    return Figures(*(sum(r[i] for r in rows) for i in range(len(FIGURES))))


def areas(session: Any) -> list[int]:
    return list(session.scalars(select(Unit.id).where(Unit.kind.in_(("street", "community")))))


def assert_exact(db: Database) -> dict[int | None, Figures]:
    with db.reading() as session:
        found = {u: rolled_figures(session, u) for u in [None, *areas(session)]}
        expected = {u: direct(session, u) for u in found}
    assert found == expected
    return found


class History:
    def __init__(self, client: TestClient, db: Database, clock: ManualClock) -> None:
        self.client, self.db, self.clock = client, db, clock
        self.cases: dict[str, int] = {}

    def ok(self, case: str, action: str, user: str, **body: Any) -> None:
        r = act(self.client, self.cases[case], action, user, **body)
        assert r.status_code == 200, r.text

    def close(self, case: str, rating: str | None = "satisfied") -> None:
        self.ok(case, "sign_for", "dep02.handler")
        r = reply(self.client, self.cases[case], "dep02.handler")
        assert r.status_code == 200, r.text
        if rating:
            self.ok(case, "feedback", "clerk", rating=rating)

    def job(self) -> int:
        with self.db.unit_of_work() as session:
            return roll_up_areas(session, now=self.clock.now())


@pytest.fixture(scope="module")
def history(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    with private_demo_app(backend, tmp_path_factory.mktemp("rollup")) as (client, db, clock):
        h = History(client, db, clock)
        places = [("S01", "S01C01"), ("S01", "S01C02"), ("S01", None)]
        for i in range(6):
            street, community = places[i % 3]
            extra = {"community": community} if community else {}
            h.cases[f"a{i}"] = make_dispatched(
                client, lead="DEP02", title=f"卷积测试a{i}", street=street, **extra
            )["id"]
        h.close("a0")
        h.close("a1", rating="unsatisfied")  # 不满意: reopened at once
        h.close("a4", rating=None)  # replied (closed), waiting for the citizen's rating
        clock.advance(timedelta(days=1))
        for i in range(3):
            h.cases[f"b{i}"] = make_dispatched(
                client, lead="DEP02", title=f"卷积测试b{i}", street="S01", community="S01C01"
            )["id"]
        yield h


class TestAreaRollup:
    def test_the_live_read_before_any_job_is_exact(self, history: History) -> None:
        assert_exact(history.db)

    def test_folded_days_and_changes_to_old_cases_stay_exact(self, history: History) -> None:
        h = history
        assert h.job() >= 1  # the first day (and the demo's) folded in
        with h.db.reading() as session:
            today = local_day(h.clock.now())
            assert [d for d in marked_days(session) if d < today] == []
        before = assert_exact(h.db)
        # The first day's cases change a day later: closed late, reopened, re-dispatched.
        h.close("a2")
        h.ok("a4", "reopen", "supervisor", reason="督查发现问题仍未解决")
        r = act(
            h.client,
            h.cases["a3"],
            "redispatch",
            "dispatcher",
            lead_unit="DEP03",
            co_units=[],
            reason="属燃气主管部门职责",
        )
        assert r.status_code == 200, r.text
        with h.db.reading() as session:
            s01 = session.scalar(select(Unit.id).where(Unit.code == "S01"))
        self.assert_marks_carry_the_changes(h, s01)
        # Two days on: the clocks of the open cases breach (is_overdue, set by the clocks' job
        # alone here: `run_once` would run the roll-up's job too).
        h.clock.advance(timedelta(days=2))
        fire = h.db.registry.jobs["fire_clocks"] if h.db.registry else None
        assert fire is not None
        while run_job(fire, h.db, h.clock, Settings()):
            pass
        after = assert_exact(h.db)
        assert after != before and after[s01].overdue > before[s01].overdue
        self.assert_marks_carry_the_changes(h, s01)
        h.job()
        assert assert_exact(h.db) == after
        with h.db.reading() as session:
            today = local_day(h.clock.now())
            assert all(d >= today for d in marked_days(session))
            assert folded_only(session, s01) == direct(session, s01)

    @staticmethod
    def assert_marks_carry_the_changes(h: History, s01: int) -> None:
        """Without the marked days the folded rows are stale: the test sees a missing mark."""
        assert_exact(h.db)
        with h.db.reading() as session:
            assert folded_only(session, s01) != direct(session, s01)

    def test_the_leader_board_counts_as_the_cases(self, history: History) -> None:
        with history.db.reading() as session:
            staff_id = session.scalar(select(LeaderArea.staff_id).limit(1))
            assert staff_id is not None
            board = leader_board_figures(session, staff_id, history.clock.now())
            units = {
                u.code: u.id
                for u in session.scalars(
                    select(Unit)
                    .join(LeaderArea, LeaderArea.unit_id == Unit.id)
                    .where(LeaderArea.staff_id == staff_id)
                )
            }
            for row in board["areas"]:
                f = direct(session, units[row["code"]])
                assert (row["total"], row["open"], row["overdue"], row["closed"]) == (
                    f.cases,
                    f.open,
                    f.overdue,
                    f.closed,
                )
                assert row["unsatisfied"] == f.unsatisfied
            district = direct(session, None)
            assert (board["figures"]["open"], board["figures"]["overdue"]) == (
                district.open,
                district.overdue,
            )

    def test_a_rebuild_gives_the_same_figures(self, history: History) -> None:
        before = assert_exact(history.db)
        with history.db.unit_of_work() as session:
            rebuild_area_rollup(session, now=history.clock.now())
        assert assert_exact(history.db) == before
        with history.db.reading() as session:
            # Every past day folded in; none registered today, so no mark stays.
            assert marked_days(session) == []

    def test_two_case_changes_in_one_transaction_mark_their_day_once(
        self, history: History
    ) -> None:
        h = history
        h.job()
        with h.db.unit_of_work() as session:
            ids = [h.cases["b0"], h.cases["b1"]]
            for case in session.scalars(select(Case).where(Case.id.in_(ids))):
                case.rating = "unsatisfied"
            session.flush()
            day = local_day(START + timedelta(days=1))
            marks = session.scalars(select(CaseDayMark.day).where(CaseDayMark.day == day)).all()
            assert marks == [day]
        assert_exact(h.db)
