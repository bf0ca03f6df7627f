"""Unit assessment on both backends against a week worked by hand.

One department (DEP02) gets five cases on Friday 2026-11-20 09:00 (Beijing); the clock moves
through the weekend, the worker fires the clocks, and every rate is checked against the
numbers written out in `test_every_rate_matches_the_hand_count`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import case, func, literal, or_, select

from cli_harness import CliResult, run_cli
from conftest import START, private_demo_app
from factories import act, auth, make_appeal, make_dispatched
from minyi.analytics.assessment import assess_units
from minyi.analytics.rules import CLOSURE_MILESTONES, SATISFIED_RATINGS, Period, period_of
from minyi.cases.models import Case, CaseEvent
from minyi.cases.rules import S
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.grassroots.models import Building, Patrol
from minyi.org.models import Staff, Unit
from minyi.sla.models import Clock
from minyi.triage.models import AppealLink
from minyi.whistle.models import Summons, Whistle
from minyi.worker.runner import run_once

WEEK = period_of("week", date(2026, 11, 20))


class World:
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


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with private_demo_app(backend, tmp_path_factory.mktemp("assessment")) as (client, db, clock):
        w = World(client, db, clock)
        minutes = lambda m: timedelta(minutes=m)  # noqa: E731
        for name in ("c1", "c2", "c3", "c4", "c5"):
            w.cases[name] = make_dispatched(
                client, lead="DEP02", title=f"测试{name}", street="S01"
            )["id"]
        w.at(minutes(10))
        w.ok("c4", "sign_for", "dep02.handler")
        w.at(minutes(30))
        w.ok("c1", "sign_for", "dep02.handler")
        w.ok("c2", "sign_for", "dep02.handler")
        # Two whistles summon DEP02: it reports in to the first within 30 minutes, never to the second.
        first = w.post(
            "/api/v1/whistles",
            "s01.staff",
            {"description": "占道经营", "units": ["DEP02"], "place": "S01"},
            201,
        )
        w.post(
            "/api/v1/whistles",
            "s01.staff",
            {"description": "油烟扰民", "units": ["DEP02", "DEP03"], "place": "S01"},
            201,
        )
        w.at(minutes(40))
        w.post(f"/api/v1/whistles/{first['id']}/report-in", "dep02.head", {})
        w.at(minutes(120))
        w.ok("c3", "sign_for", "dep02.handler")
        w.ok("c1", "reply", "dep02.handler", text="已处理")
        w.ok("c1", "feedback", "clerk", rating="satisfied")
        w.ok("c5", "bounce", "dep02.handler", reason="不属于本单位职责")
        w.ok("c5", "approve_bounce", "dispatcher", reason="同意")
        w.at(minutes(180))
        w.ok("c2", "reply", "dep02.handler", text="已处理")
        w.ok("c2", "feedback", "clerk", rating="unsatisfied")  # reopens at once
        w.at(minutes(210))
        w.ok("c2", "sign_for", "dep02.handler")
        w.at(minutes(240))
        w.ok("c2", "reply", "dep02.handler", text="再次处理")
        # Saturday 10:00: the 24-hour first-round clocks of c3 and c4 have breached.
        w.at(timedelta(hours=25))
        w.fire()
        w.ok("c3", "reply", "dep02.handler", text="超期办结")
        # The citizen of c1 came back on the same matter: a repeat link to c1's appeal.
        again = make_appeal(client, title="测试c1 again")
        with db.unit_of_work() as session:
            appeal_of_c1 = session.scalar(select(Case.appeal_id).where(Case.id == w.cases["c1"]))
            session.add(
                AppealLink(
                    appeal_id=again["id"],
                    other_id=appeal_of_c1,
                    kind="repeat",
                    similarity=0.8,
                    cluster_id=None,
                    created_at=clock.now(),
                )
            )
        yield w


def dep02(world: World, **kwargs: Any) -> Any:
    with world.db.reading() as session:
        rows = {r.unit: r for r in assess_units(session, WEEK, **kwargs).rows}
    return rows["DEP02"]


class TestAssessment:
    def test_every_rate_matches_the_hand_count(self, world: World) -> None:
        row = dep02(world, sign_for_limit=timedelta(hours=1))
        # Lead assignments 5 (c1..c5). Signed within 1 h: c4 (10 min), c1 (30 min); c2 was
        # signed again 3.5 h after its assignment when reopened, c3 after 2 h, c5 never.
        assert (row.assigned, row.signed_in_time) == (5, 2)
        assert row.timely_acceptance_rate == pytest.approx(0.4)
        # Closed in the week: c1, c2, c3; c3 after its first-round clock breached; c4 still open
        # with a breached closure clock. On time 2 / (3 + 1).
        assert (row.closed, row.closed_on_time, row.closure_due) == (3, 2, 4)
        assert row.on_time_closure_rate == pytest.approx(0.5)
        # Never reopened: c1 and c3 of the three closed.
        assert row.resolution_rate == pytest.approx(2 / 3, abs=1e-4)
        # Feedback: c1 满意, c2 不满意.
        assert (row.feedback, row.satisfied, row.satisfaction_rate) == (2, 1, pytest.approx(0.5))
        # c1's citizen came back.
        assert row.repeat_rate == pytest.approx(1 / 3, abs=1e-4)
        assert (row.bounces, row.bounce_rate) == (1, pytest.approx(0.2))
        assert (row.summoned, row.reported_in_time, row.whistle_response_rate) == (
            2,
            1,
            pytest.approx(0.5),
        )
        # Score: 100 × (10·0.4 + 25·0.5 + 20·2/3 + 25·0.5 + 10·2/3 + 5·0.8 + 5·0.5) / 100.
        expected = (
            10 * 0.4 + 25 * 0.5 + 20 * 2 / 3 + 25 * 0.5 + 10 * (1 - 1 / 3) + 5 * 0.8 + 5 * 0.5
        )
        assert row.score == pytest.approx(round(expected, 2))

    def test_late_open_and_feedback_counts_equal_the_joins_they_replaced(
        self, world: World
    ) -> None:
        # The late-open and feedback counts probe cases by primary key from the period's rows
        # (assessment._lead_of); the joins below are the statements they replaced. Windows of
        # every hour of the worked day and a half, so that c3's clock breaches in one window
        # and the case closes in a later one (late open there), and the whole week.
        windows = [
            (START + timedelta(hours=h), START + timedelta(hours=h + 1)) for h in range(-1, 27)
        ]
        windows += [(START, START + timedelta(hours=h)) for h in (2, 24, 25, 26)]
        windows.append((WEEK.start, WEEK.end))
        seen = set()
        with world.db.reading() as session:
            ids = {code: id_ for code, id_ in session.execute(select(Unit.code, Unit.id))}
            for start, end in windows:
                for only in (None, [ids["DEP02"]], [ids["DEP03"]]):
                    period = Period("custom", "window", start, end)
                    rows = assess_units(session, period, unit_ids=only)
                    got = {
                        ids[r.unit]: (r.closure_due - r.closed, r.feedback, r.satisfied)
                        for r in rows.rows
                    }
                    expected = _joined_counts(session, start, end, only)
                    assert {u: v for u, v in got.items() if v != (0, 0, 0)} == expected
                    seen |= {v for v in expected.values()}
        # The windows met each case: late open, feedback satisfied and not.
        assert any(v[0] for v in seen) and any(v[2] for v in seen)
        assert any(v[1] > v[2] for v in seen)

    def test_the_default_limit_is_24_hours(self, world: World) -> None:
        row = dep02(world)
        assert (row.signed_in_time, row.timely_acceptance_rate) == (4, pytest.approx(0.8))

    def test_a_period_without_work_has_no_row_and_no_zero_rates(self, world: World) -> None:
        with world.db.reading() as session:
            rows = assess_units(session, period_of("month", date(2026, 10, 5))).rows
        assert "DEP02" not in {r.unit for r in rows}

    def test_whistle_only_units_get_a_rate_and_never_divide_by_zero(self, world: World) -> None:
        with world.db.reading() as session:
            rows = {r.unit: r for r in assess_units(session, WEEK).rows}
        dep03 = rows["DEP03"]
        assert (dep03.summoned, dep03.whistle_response_rate) == (1, 0.0)
        assert dep03.closure_due == 0 and dep03.on_time_closure_rate is None
        assert dep03.score == 0.0

    def test_the_api_ranks_every_unit_for_a_leader(self, world: World) -> None:
        r = world.client.get(
            "/api/v1/analytics/assessment",
            params={"period": "week", "day": "2026-11-20"},
            headers=auth(world.client, "leader01"),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["period"]["label"] == "2026-W47"
        ranked = [row for row in body["rows"] if row["rank"] is not None]
        assert [row["rank"] for row in ranked] == sorted(row["rank"] for row in ranked)
        assert {"DEP02", "DEP03"} <= {row["unit"] for row in body["rows"]}
        assert "satisfaction_rate" in body["formulas"]

    def test_unit_staff_see_only_their_own_unit(self, world: World) -> None:
        r = world.client.get(
            "/api/v1/analytics/assessment",
            params={"period": "week", "day": "2026-11-20"},
            headers=auth(world.client, "dep03.handler"),
        )
        assert r.status_code == 200, r.text
        assert [row["unit"] for row in r.json()["rows"]] == ["DEP03"]

    def test_exports_as_csv_and_excel(self, world: World, tmp_path: Any) -> None:
        params = {"period": "week", "day": "2026-11-20"}
        headers = auth(world.client, "supervisor")
        csv_r = world.client.get(
            "/api/v1/analytics/assessment", params={**params, "format": "csv"}, headers=headers
        )
        assert csv_r.status_code == 200
        text = csv_r.content.decode("utf-8-sig")
        assert text.splitlines()[0].startswith("排名,单位代码,单位,综合得分,及时签收率")
        assert any(line.split(",")[1] == "DEP02" for line in text.splitlines()[1:])
        xlsx_r = world.client.get(
            "/api/v1/analytics/assessment", params={**params, "format": "xlsx"}, headers=headers
        )
        assert xlsx_r.status_code == 200
        path = tmp_path / "a.xlsx"
        path.write_bytes(xlsx_r.content)
        sheet = load_workbook(path).active
        assert sheet is not None
        assert sheet.cell(1, 1).value == "排名"
        assert "DEP02" in [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)]
        services = load_workbook(path)["五类服务"]
        labels = [services.cell(r, 1).value for r in range(2, services.max_row + 1)]
        assert labels == ["投诉建议", "纠纷调解", "法律服务", "心理服务", "帮扶救助"]
        received = sum(services.cell(r, 2).value for r in range(2, services.max_row + 1))
        as_json = world.client.get(
            "/api/v1/analytics/assessment", params=params, headers=headers
        ).json()
        assert received == sum(s["received"] for s in as_json["services"]) > 0

    def test_a_bad_period_is_refused(self, world: World) -> None:
        r = world.client.get(
            "/api/v1/analytics/assessment",
            params={"period": "year"},
            headers=auth(world.client, "leader01"),
        )
        assert r.status_code == 422

    def test_a_day_in_the_far_past_is_an_empty_period_not_an_error(self, world: World) -> None:
        # Beijing's offset in year 136 is local mean time (+08:05:43): the period keeps its text.
        r = world.client.get(
            "/api/v1/analytics/assessment",
            params={"period": "week", "day": "0136-11-26"},
            headers=auth(world.client, "leader01"),
        )
        assert r.status_code == 200, r.text
        assert (r.json()["period"]["start"], r.json()["rows"]) == (
            "0136-11-26T00:00:00+08:05:43",
            [],
        )


class TestAssessmentCli:
    def run(self, world: World, *args: str) -> CliResult:
        return run_cli(["analytics", *args], env=os.environ | {"MINYI_DATABASE_URL": world.db.url})

    def test_writes_the_weekly_table_as_csv(self, world: World, tmp_path: Path) -> None:
        out = self.run(
            world,
            "assessment",
            "--period",
            "week",
            "--day",
            "2026-11-20",
            "--out",
            str(tmp_path / "w.csv"),
        )
        assert out.returncode == 0, out.stderr
        lines = (tmp_path / "w.csv").read_text(encoding="utf-8-sig").splitlines()
        dep02 = next(line.split(",") for line in lines[1:] if line.split(",")[1] == "DEP02")
        assert dep02[5] == "0.5"  # 按期办结率, the fifth column after rank, code, name, score

    def test_prints_the_monthly_table(self, world: World) -> None:
        out = self.run(world, "assessment", "--period", "month", "--day", "2026-11-20")
        assert out.returncode == 0, out.stderr
        assert "绩效考核 2026-11" in out.stdout and "区城市管理和综合执法局" in out.stdout

    def test_bad_input_exits_2(self, world: World, tmp_path: Path) -> None:
        for args in (
            ("--period", "year", "--day", "2026-11-20"),
            ("--day", "20.11.2026"),
            ("--out", str(tmp_path / "a.pdf")),
        ):
            out = self.run(world, "assessment", *args)
            assert out.returncode == 2 and out.stderr.startswith("error:"), (args, out.stderr)
        assert not (tmp_path / "a.pdf").exists()


class TestGridFigures:
    """Streets and communities carry coverage and the grid events found on patrols in the
    period, disposed of or not; outside the score. Patrols added in a rolled-back transaction."""

    def test_events_found_in_the_period_and_coverage_per_street_and_community(
        self, world: World
    ) -> None:
        now = world.clock.now()
        with world.db.sessions() as session, session.begin():
            grid = session.scalar(select(Unit).where(Unit.code == "S01C01G01"))
            assert grid is not None
            building = session.scalar(
                select(Building).where(Building.grid_id == grid.id).order_by(Building.id)
            )
            staff = session.scalar(select(Staff.id).order_by(Staff.id))
            assert building is not None and staff is not None
            c1, c2 = (session.get(Case, world.cases[n]) for n in ("c1", "c2"))
            assert c1 is not None and c2 is not None
            c1.status, c2.status = S.REPLIED, S.IN_PROGRESS
            visit = {"building_id": building.id, "staff_id": staff, "grid_id": grid.id}
            inside = WEEK.start + timedelta(days=1)
            session.add_all(
                [
                    Patrol(**visit, visited_at=inside, finding="堆物", case_id=c1.id),
                    Patrol(**visit, visited_at=inside, finding="路灯", case_id=c2.id),
                    Patrol(**visit, visited_at=inside, finding="未立案"),
                    Patrol(**visit, visited_at=WEEK.end, finding="下一周", case_id=c2.id),
                ]
            )
            session.flush()
            rows = {r.unit: r for r in assess_units(session, WEEK, now=now).rows}
            session.rollback()
        for code in ("S01", "S01C01"):
            row = rows[code]
            assert (row.grid_events, row.grid_events_disposed) == (2, 1), code
            assert row.grid_disposal_rate == 0.5
            assert row.buildings and row.buildings_covered is not None
            assert row.coverage_rate == round(row.buildings_covered / row.buildings, 4)
        assert rows["DEP02"].coverage_rate is None and rows["DEP02"].grid_events is None
        assert "S02" not in rows or rows["S02"].grid_events == 0

    def test_grid_whistles_answered_in_time_give_the_response_rate(self, world: World) -> None:
        """双报到: a grid whistle counts as answered when every summoned department reported in by
        its deadline; one still within its clock is left out; outside the score."""
        now = world.clock.now()
        inside = WEEK.start + timedelta(days=1)
        with world.db.sessions() as session, session.begin():
            grid = session.scalar(select(Unit).where(Unit.code == "S01C01G01"))
            deps = session.scalars(
                select(Unit.id).where(Unit.kind == "department").order_by(Unit.code).limit(2)
            ).all()
            assert grid is not None and len(deps) == 2
            building = session.scalar(
                select(Building).where(Building.grid_id == grid.id).order_by(Building.id)
            )
            staff = session.scalar(select(Staff.id).order_by(Staff.id))
            assert building is not None and staff is not None
            before = {r.unit: r for r in assess_units(session, WEEK, now=now).rows}
            due = inside + timedelta(minutes=30)
            # (report-in times of the two departments): answered, one late, one still running.
            plans = [
                (inside + timedelta(minutes=5), inside + timedelta(minutes=9)),
                (inside + timedelta(minutes=5), inside + timedelta(hours=2)),
                (inside + timedelta(minutes=5), None),
            ]
            for n, times in enumerate(plans):
                w = Whistle(
                    issuer_id=staff,
                    issuer_unit_id=grid.id,
                    description="网格吹哨",
                    report_minutes=30,
                    status="open",
                    created_at=inside,
                )
                session.add(w)
                session.flush()
                for dep, at in zip(deps, times, strict=True):
                    # The third whistle's clock runs past `now`: not yet decided.
                    deadline = now + timedelta(hours=1) if n == 2 else due
                    session.add(
                        Summons(
                            whistle_id=w.id,
                            unit_id=dep,
                            summoned_at=inside,
                            due_at=deadline,
                            reported_at=at,
                        )
                    )
                session.add(
                    Patrol(
                        building_id=building.id,
                        staff_id=staff,
                        grid_id=grid.id,
                        visited_at=inside,
                        finding="吹哨",
                        whistle_id=w.id,
                    )
                )
            session.flush()
            rows = {r.unit: r for r in assess_units(session, WEEK, now=now).rows}
            session.rollback()
        for code in ("S01", "S01C01"):
            was = before.get(code)
            base = (was.grid_whistles or 0) if was else 0
            assert rows[code].grid_whistles == base + 3, code
            assert rows[code].grid_whistles_decided == base + 2, code
            if not base:
                assert rows[code].grid_response_rate == 0.5
        assert rows["DEP02"].grid_whistles is None


def _joined_counts(
    session: Any, start: Any, end: Any, only: list[int] | None
) -> dict[int, tuple[int, int, int]]:
    """The assessment's late-open and feedback counts as joins (before 2026-12-05), by unit:
    (late open, feedback, satisfied), units with none of them left out."""
    scope = Case.lead_unit_id.in_(only) if only is not None else literal(True)
    late = session.execute(
        select(Case.lead_unit_id, func.count(func.distinct(Case.id)))
        .select_from(Clock)
        .join(Case, Case.id == Clock.case_id)
        .where(
            Clock.breached_at >= start,
            Clock.breached_at < end,
            Clock.subject == "case",
            Clock.milestone.in_(CLOSURE_MILESTONES),
            Case.lead_unit_id.is_not(None),
            scope,
            or_(Case.closed_at.is_(None), Case.closed_at >= end),
        )
        .group_by(Case.lead_unit_id)
    ).all()
    rating = CaseEvent.payload["rating"].as_string()
    feedback = session.execute(
        select(
            Case.lead_unit_id,
            func.count(),
            func.sum(case((rating.in_(SATISFIED_RATINGS), 1), else_=0)),
        )
        .join(Case, Case.id == CaseEvent.case_id)
        .where(
            CaseEvent.action == "feedback",
            CaseEvent.at >= start,
            CaseEvent.at < end,
            scope,
        )
        .group_by(Case.lead_unit_id)
    ).all()
    out: dict[int, tuple[int, int, int]] = {}
    for unit, n in late:
        out[unit] = (int(n), 0, 0)
    for unit, n, satisfied in feedback:
        if unit is not None:
            out[unit] = (out.get(unit, (0, 0, 0))[0], int(n), int(satisfied or 0))
    return out
