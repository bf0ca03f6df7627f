"""The assessment from the unit roll-up (analytics/unit_rollup.py) against the assessment read
from its own tables (`assess_units(..., scan=True)`, the statements before the roll-up), on both
backends.

Two days of DEP02's and DEP03's cases: signed in time and late, closed on time and after a
breach, bounced, reopened on a 不满意, rated 满意, co-units, summonses reported in and not, a
repeat link. The job folds both days in; then, one at a time with the job between them, past
days change through each path of the marking listener: a sign-for by core UPDATE, a lead unit
changed after feedback, a closure clock's breach written late, a repeat link, a reopen of a case
closed on another day than assigned, a late closure. Every period (each day, the week, the month,
a unit filter) must equal the scan after each change and after each job; the folded rows alone
are asserted stale after each change, so a missing mark fails the comparison (each path was
checked by switching it off).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import START, private_demo_app
from factories import act, auth, make_appeal, make_dispatched
from minyi.analytics.assessment import assess_units
from minyi.analytics.models import UnitDayFigures, UnitLateOpen
from minyi.analytics.rules import CLOSURE_MILESTONES, Period, period_of
from minyi.analytics.unit_rollup import (
    COLUMNS,
    day_rows,
    late_open_rows,
    rebuild_unit_rollup,
    roll_up_units,
)
from minyi.cases.models import Case, UnitDayMark
from minyi.core.clock import ManualClock, local_day
from minyi.core.db import Database
from minyi.org.models import Unit
from minyi.sla.models import Clock
from minyi.triage.models import AppealLink
from minyi.worker.runner import run_once

FRIDAY, SATURDAY = date(2026, 11, 20), date(2026, 11, 21)


def periods() -> list[Period]:
    return [
        period_of("day", FRIDAY),
        period_of("day", SATURDAY),
        period_of("day", FRIDAY + timedelta(days=2)),
        period_of("week", FRIDAY),
        period_of("month", FRIDAY),
        period_of("week", FRIDAY - timedelta(days=7)),
    ]


class History:
    def __init__(self, client: TestClient, db: Database, clock: ManualClock) -> None:
        self.client, self.db, self.clock = client, db, clock
        self.cases: dict[str, int] = {}

    def at(self, delta: timedelta) -> None:
        self.clock.advance(START + delta - self.clock.now())

    def ok(self, case: str, action: str, user: str, **body: Any) -> None:
        r = act(self.client, self.cases[case], action, user, **body)
        assert r.status_code == 200, r.text

    def post(self, path: str, user: str, body: dict[str, Any], status: int = 200) -> Any:
        r = self.client.post(path, json=body, headers=auth(self.client, user))
        assert r.status_code == status, r.text
        return r.json()

    def fire(self) -> None:
        while run_once(self.db, self.clock)["fire_clocks"]:
            pass

    def job(self) -> int:
        with self.db.unit_of_work() as session:
            return roll_up_units(session, now=self.clock.now())

    def closure_clock(self, session: Any, case: str, *where: Any) -> Clock | None:
        """The first of the case's closure-milestone clocks (among those `where` keeps)."""
        return session.scalars(
            select(Clock).where(
                Clock.case_id == self.cases[case],
                Clock.subject == "case",
                Clock.milestone.in_(CLOSURE_MILESTONES),
                *where,
            )
        ).first()

    def link_repeat(self, case: str) -> None:
        again = make_appeal(self.client, title=f"卷积测试{case} again")
        with self.db.unit_of_work() as session:
            appeal = session.scalar(select(Case.appeal_id).where(Case.id == self.cases[case]))
            session.add(
                AppealLink(
                    appeal_id=again["id"],
                    other_id=appeal,
                    kind="repeat",
                    similarity=0.8,
                    cluster_id=None,
                    created_at=self.clock.now(),
                )
            )


def assert_same(db: Database) -> None:
    """Every period, all units and DEP02 alone: the roll-up's assessment is the scan's."""
    with db.reading() as session:
        dep02 = session.scalar(select(Unit.id).where(Unit.code == "DEP02"))
        assert dep02 is not None
        for period in periods():
            for only in (None, [dep02]):
                rolled = assess_units(session, period, unit_ids=only).as_dict()
                scanned = assess_units(session, period, unit_ids=only, scan=True).as_dict()
                assert rolled == scanned, period.label


def folded(session: Any, day: date) -> dict[Any, tuple[Any, ...]]:
    """The day's rows in both roll-up tables as the job left them."""
    rows = session.scalars(select(UnitDayFigures).where(UnitDayFigures.day == day))
    late = session.scalars(select(UnitLateOpen).where(UnitLateOpen.day == day))
    return {r.unit_id: tuple(getattr(r, c) for c in COLUMNS) for r in rows} | {
        ("late", r.unit_id, r.until): (r.cases,) for r in late
    }


def counted(session: Any, day: date) -> dict[Any, tuple[Any, ...]]:
    """The day's rows of both tables as the job would fold them now."""
    return {r["unit_id"]: tuple(r[c] for c in COLUMNS) for r in day_rows(session, day)} | {
        ("late", r["unit_id"], r["until"]): (r["cases"],) for r in late_open_rows(session, day)
    }


def past_marks(h: History) -> list[date]:
    with h.db.reading() as session:
        today = local_day(h.clock.now())
        return [d for d in session.scalars(select(UnitDayMark.day)) if d < today]


@pytest.fixture(scope="module")
def history(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    with private_demo_app(backend, tmp_path_factory.mktemp("unitrollup")) as (client, db, clock):
        h = History(client, db, clock)
        minutes = lambda m: timedelta(minutes=m)  # noqa: E731
        for name in ("c1", "c2", "c3", "c4", "c5"):
            h.cases[name] = make_dispatched(
                client, lead="DEP02", co=["DEP03"], title=f"卷积测试{name}", street="S01"
            )["id"]
        h.cases["c6"] = make_dispatched(client, lead="DEP03", co=["DEP02"], title="卷积测试c6")[
            "id"
        ]
        h.cases["c7"] = make_dispatched(client, lead="DEP02", title="卷积测试c7")["id"]
        first = h.post(
            "/api/v1/whistles",
            "s01.staff",
            {"description": "占道经营", "units": ["DEP02"], "place": "S01"},
            201,
        )
        h.post(
            "/api/v1/whistles",
            "s01.staff",
            {"description": "油烟扰民", "units": ["DEP02", "DEP03"], "place": "S01"},
            201,
        )
        h.at(minutes(30))
        for name in ("c1", "c2", "c4"):
            h.ok(name, "sign_for", "dep02.handler")
        h.ok("c6", "sign_for", "dep03.handler")
        h.post(f"/api/v1/whistles/{first['id']}/report-in", "dep02.head", {})
        h.at(minutes(120))
        h.ok("c1", "reply", "dep02.handler", text="已处理")
        h.ok("c1", "feedback", "clerk", rating="satisfied")
        h.ok("c5", "bounce", "dep02.handler", reason="不属于本单位职责")
        h.ok("c5", "approve_bounce", "dispatcher", reason="同意")
        h.ok("c2", "reply", "dep02.handler", text="已处理")
        h.ok("c2", "feedback", "clerk", rating="unsatisfied")  # reopens at once
        h.ok("c2", "sign_for", "dep02.handler")
        h.ok("c2", "reply", "dep02.handler", text="再次处理")
        h.cases["c9"] = make_dispatched(client, lead="DEP02", title="卷积测试c9")["id"]
        h.ok("c9", "sign_for", "dep02.handler")
        h.cases["c10"] = make_dispatched(client, lead="DEP02", title="卷积测试c10")["id"]
        h.ok("c10", "sign_for", "dep02.handler")
        h.ok("c9", "reply", "dep02.handler", text="已处理")
        h.ok("c6", "reply", "dep03.handler", text="已处理")
        h.ok("c6", "feedback", "clerk", rating="basically_satisfied")
        # Saturday 10:00: the 24-hour clocks of the unsigned and unclosed cases have breached.
        h.at(timedelta(hours=25))
        h.fire()
        h.ok("c3", "sign_for", "dep02.handler")
        h.ok("c3", "reply", "dep02.handler", text="超期办结")
        h.ok("c3", "feedback", "clerk", rating="unsatisfied")
        h.link_repeat("c1")
        # c8 is dispatched on Saturday and signed for on Sunday within 24 h; c9 was replied
        # (closed) on Friday and rated on Saturday.
        h.cases["c8"] = make_dispatched(client, lead="DEP02", title="卷积测试c8")["id"]
        h.ok("c9", "feedback", "clerk", rating="satisfied")
        h.ok("c10", "reply", "dep02.handler", text="周六办结")
        yield h


class TestUnitRollup:
    def test_the_live_read_before_any_job_equals_the_scan(self, history: History) -> None:
        assert_same(history.db)

    def test_folded_days_and_changes_to_past_days_stay_exact(self, history: History) -> None:
        h = history
        h.at(timedelta(days=2))  # Sunday
        assert h.job() >= 2
        assert past_marks(h) == []
        with h.db.reading() as session:
            assert folded(session, FRIDAY) == counted(session, FRIDAY) != {}
            assert folded(session, SATURDAY) == counted(session, SATURDAY) != {}
        assert_same(h.db)
        # Sunday: one change at a time to a past day, each through one path of the listener;
        # the job runs between them, so no other change's mark covers the day.
        sunday = FRIDAY + timedelta(days=2)

        def sign_c8_in_time() -> None:  # a core UPDATE of signed_at: the lead assignments' days
            h.ok("c8", "sign_for", "dep02.handler")

        def move_c9_after_feedback() -> None:  # the lead changes: the feedback events' days
            h.ok("c9", "reopen", "supervisor", reason="督查发现问题仍未解决")
            h.ok(
                "c9",
                "redispatch",
                "dispatcher",
                lead_unit="DEP03",
                co_units=[],
                reason="属燃气主管部门职责",
            )

        def breach_c2_late() -> None:  # a closure clock's breach: its case's closed day
            with h.db.unit_of_work() as session:
                clock = h.closure_clock(session, "c2")
                assert clock is not None and clock.breached_at is None
                clock.breached_at = h.clock.now()

        def link_c2() -> None:  # a repeat link: the linked appeal's case's closed day
            h.link_repeat("c2")

        def reopen_c10() -> None:  # closed on Saturday, assigned on Friday: the old closed_at
            h.ok("c10", "reopen", "supervisor", reason="督查发现问题仍未解决")

        def breach_c4_again() -> None:  # a second breach: the first one's day ends at it
            with h.db.unit_of_work() as session:
                first = h.closure_clock(session, "c4", Clock.breached_at.is_not(None))
                assert first is not None and local_day(first.breached_at) == SATURDAY
                again = {
                    c.key: getattr(first, c.key)
                    for c in Clock.__table__.columns
                    if c.key not in ("id", "milestone", "breached_at")
                }
                milestone = next(m for m in CLOSURE_MILESTONES if m != first.milestone)
                session.add(Clock(**again, milestone=milestone, breached_at=h.clock.now()))

        def move_c7() -> None:  # the lead unit of a case breached on Saturday and still open
            h.ok(
                "c7",
                "redispatch",
                "dispatcher",
                lead_unit="DEP03",
                co_units=[],
                reason="属燃气主管部门职责",
            )

        def close_c7() -> None:  # closed on Sunday: no longer late-open at Sunday's end
            h.ok("c7", "sign_for", "dep03.handler")
            h.ok("c7", "reply", "dep03.handler", text="迟到的办结")

        def reopen_c1_close_c4() -> None:  # closed_at old and new
            h.ok("c1", "reopen", "supervisor", reason="督查发现问题仍未解决")
            h.ok("c4", "reply", "dep02.handler", text="迟到的办结")

        steps = [
            (sign_c8_in_time, SATURDAY),
            (move_c9_after_feedback, SATURDAY),
            (breach_c2_late, FRIDAY),
            (link_c2, FRIDAY),
            (reopen_c10, SATURDAY),
            (breach_c4_again, SATURDAY),
            (move_c7, SATURDAY),
            (close_c7, SATURDAY),
            (reopen_c1_close_c4, FRIDAY),
        ]
        for hour, (change, day) in enumerate(steps):
            h.at(timedelta(days=2, hours=hour))
            change()
            with h.db.reading() as session:
                # The folded rows are stale: only the day's mark keeps the read exact.
                assert folded(session, day) != counted(session, day), change.__name__
            assert_same(h.db)
            assert h.job() >= 1
            assert past_marks(h) == []
            with h.db.reading() as session:
                for d in (FRIDAY, SATURDAY):
                    assert folded(session, d) == counted(session, d), change.__name__
            assert_same(h.db)
        h.at(timedelta(days=3))  # Monday: Sunday itself is folded in
        assert h.job() >= 1
        with h.db.reading() as session:
            assert folded(session, sunday) == counted(session, sunday) != {}
        assert_same(h.db)

    def test_a_second_run_and_a_rebuild_change_nothing(self, history: History) -> None:
        h = history
        # Folded first: pytest may set the module's history up again for this test (it orders
        # parametrised module fixtures as it likes), and then the days are still marked.
        h.job()
        with h.db.reading() as session:
            before = {d: folded(session, d) for d in (FRIDAY, SATURDAY)}
        h.job()
        with h.db.unit_of_work() as session:
            rebuild_unit_rollup(session, now=h.clock.now())
        with h.db.reading() as session:
            assert {d: folded(session, d) for d in (FRIDAY, SATURDAY)} == before
        assert_same(h.db)

    def test_a_period_off_midnight_and_another_sign_for_limit_read_the_tables(
        self, history: History
    ) -> None:
        with history.db.reading() as session:
            day = period_of("day", FRIDAY)
            odd = Period("day", "odd", day.start + timedelta(hours=9), day.end)
            assert (
                assess_units(session, odd).as_dict()
                == assess_units(session, odd, scan=True).as_dict()
            )
            limit = timedelta(hours=1)
            assert (
                assess_units(session, day, sign_for_limit=limit).as_dict()
                == assess_units(session, day, sign_for_limit=limit, scan=True).as_dict()
            )
