"""The grid section: the reported day's patrols, findings, grid events and how many are disposed
of; coverage and its gaps as the report is made, per street. Patrols are added in a transaction
that is rolled back, so the package's week of appeals stays as the other tests expect."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from minyi.cases.models import Case
from minyi.cases.rules import S
from minyi.grassroots.models import Building, Patrol
from minyi.org.models import Staff, Unit
from minyi.reports.render import render_html
from minyi.reports.rules import ReportKind
from minyi.reports.snapshot import build_snapshot
from minyi.whistle.models import Summons, Whistle

from .conftest import DAY, TZ, District, _at


def grid_section(snap: dict[str, Any]) -> dict[str, Any]:
    return next(s["data"] for s in snap["sections"] if s["key"] == "grassroots")


def test_coverage_adds_up_per_street_and_in_the_district(district: District) -> None:
    with district.db.reading() as session:
        snap = build_snapshot(
            session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=district.clock.now()
        )
        streets = session.scalars(
            select(Unit.code).where(Unit.kind == "street", Unit.is_active.is_(True))
        ).all()
    g = grid_section(snap)
    t = g["totals"]
    assert t["buildings"] > 0
    assert t["covered"] + t["unassigned"] + t["overdue"] == t["buildings"]
    assert t["coverage_rate"] == round(t["covered"] / t["buildings"], 4)
    assert sorted(r["code"] for r in g["streets"]) == sorted(streets)
    for column in ("buildings", "covered", "unassigned", "overdue", "patrols", "events"):
        assert sum(r[column] for r in g["streets"]) == t[column]
    gaps = {r["code"] for r in g["streets"] if r["unassigned"] or r["overdue"]}
    assert {i["key"] for i in g["items"]} == {f"grid:{c}" for c in gaps}


def test_the_days_patrols_findings_and_disposed_events(district: District) -> None:
    now = district.clock.now()
    with district.db.sessions() as session, session.begin():
        before = grid_section(
            build_snapshot(session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=now)
        )
        s01 = session.scalar(select(Unit).where(Unit.code == "S01"))
        assert s01 is not None
        building = session.scalar(
            select(Building)
            .join(Unit, Unit.id == Building.grid_id)
            .where(Unit.path.startswith(s01.path), Building.is_active.is_(True))
            .order_by(Building.id)
        )
        staff = session.scalar(select(Staff.id).order_by(Staff.id))
        assert building is not None and staff is not None
        c1, c2 = (session.get(Case, district.cases[n]["id"]) for n in ("C1", "C2"))
        assert c1 is not None and c2 is not None
        c2.status = S.REPLIED  # disposed of
        visit = {"building_id": building.id, "staff_id": staff, "grid_id": building.grid_id}
        session.add_all(
            [
                Patrol(**visit, visited_at=_at(28, 9)),
                Patrol(**visit, visited_at=_at(28, 11), finding="楼道堆物", case_id=c1.id),
                Patrol(**visit, visited_at=_at(28, 15), finding="路灯不亮", case_id=c2.id),
                Patrol(**visit, visited_at=_at(28, 16), finding="井盖松动"),
                # The day before and the morning after are not the reported day's.
                Patrol(**visit, visited_at=_at(27, 15), finding="旧事", case_id=c2.id),
                Patrol(**visit, visited_at=now - timedelta(minutes=5)),
            ]
        )
        session.flush()
        snap = build_snapshot(session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=now)
        html = render_html(snap, number=1, issued_at=now, tz=TZ)
        session.rollback()
    after = grid_section(snap)
    delta = {
        k: after["totals"][k] - before["totals"][k]
        for k in ("patrols", "findings", "events", "disposed")
    }
    assert delta == {"patrols": 4, "findings": 3, "events": 2, "disposed": 1}
    street = next(r for r in after["streets"] if r["code"] == "S01")
    was = next(r for r in before["streets"] if r["code"] == "S01")
    assert (street["patrols"] - was["patrols"], street["events"] - was["events"]) == (4, 2)
    # Visits count towards coverage as they are made, not here: the figures stay a read.
    body = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
    assert "基层网格巡查与包联覆盖" in text
    assert "当日巡查走访（次）" in text and "楼栋包联覆盖率" in text
    assert "无人包联" in text and "超期未走访" in text
    assert "处置率" in text
    assert not re.search(r"\b(grid|grassroots|unassigned|overdue|S01)\b", text)


def test_the_days_grid_whistles_and_their_response(district: District) -> None:
    """双报到: the reported day's grid whistles, and how many every summoned department answered
    by its deadline, in the totals and the rendered section."""
    now = district.clock.now()
    with district.db.sessions() as session, session.begin():
        before = grid_section(
            build_snapshot(session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=now)
        )["totals"]
        building = session.scalar(
            select(Building).where(Building.is_active.is_(True)).order_by(Building.id)
        )
        staff = session.scalar(select(Staff.id).order_by(Staff.id))
        dep = session.scalar(select(Unit.id).where(Unit.kind == "department").order_by(Unit.id))
        assert building is not None and staff is not None and dep is not None
        for n, reported in enumerate((_at(28, 9), None)):
            w = Whistle(
                issuer_id=staff,
                issuer_unit_id=building.grid_id,
                description=f"吹哨{n}",
                report_minutes=30,
                status="open",
                created_at=_at(28, 8),
            )
            session.add(w)
            session.flush()
            session.add(
                Summons(
                    whistle_id=w.id,
                    unit_id=dep,
                    summoned_at=_at(28, 8),
                    due_at=_at(28, 8) + timedelta(minutes=90),
                    reported_at=reported,
                )
            )
            session.add(
                Patrol(
                    building_id=building.id,
                    staff_id=staff,
                    grid_id=building.grid_id,
                    visited_at=_at(28, 8),
                    finding="吹哨",
                    whistle_id=w.id,
                )
            )
        session.flush()
        snap = build_snapshot(session, kind=ReportKind.DAILY, day=DAY, tz=TZ, now=now)
        html = render_html(snap, number=1, issued_at=now, tz=TZ)
        session.rollback()
    t = grid_section(snap)["totals"]
    assert (
        t["whistles"] - before["whistles"],
        t["whistles_decided"] - before["whistles_decided"],
        t["whistles_answered"] - before["whistles_answered"],
    ) == (2, 2, 1)
    if not before["whistles_decided"]:
        assert t["response_rate"] == 0.5
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "网格吹哨（次）" in text and "双报到响应率" in text
