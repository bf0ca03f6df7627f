"""The roll-ups' migrations, on both backends. rollups0001's back-fill (its own SQL, frozen at
the revision) leaves the area roll-up exactly as the worker's job does (`rebuild_area_rollup`):
the same day rows, totals and marks, on a small history with cases open, closed, overdue, rated
不满意, outside any area, and one registered in the coming days (marked, not folded). boards0001's
equals the service roll-up's rebuild; unitrollup0001 marks every day and the job folds them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from conftest import demo_database_url, drop_database
from migration_history import downgrade
from minyi.analytics.assessment import assess_units
from minyi.analytics.models import AreaDayCount, AreaTotal, UnitDayFigures, UnitLateOpen
from minyi.analytics.rollups import FIGURES, rebuild_area_rollup
from minyi.analytics.rules import period_of
from minyi.analytics.unit_rollup import COLUMNS as UNIT_COLUMNS
from minyi.analytics.unit_rollup import DAYS_PER_RUN, rebuild_unit_rollup, roll_up_units
from minyi.bench.analytics import _fill
from minyi.bootstrap import migrate
from minyi.cases.models import Case, CaseDayMark, UnitDayMark
from minyi.cases.rules import OPEN
from minyi.core.clock import DISTRICT_ZONE
from minyi.core.db import Database
from minyi.services.models import ServiceDayCount
from minyi.services.rollup import rebuild_service_rollup
from minyi.wiring import build_registry

BEFORE = "unitstatus0001"


@pytest.fixture
def history(backend: str, tmp_path: Path) -> Iterator[Database]:
    url = demo_database_url(backend, tmp_path)
    db = Database(url, registry=build_registry())
    _fill(db, 300, 40, random.Random(11), lambda _: None)
    with db.unit_of_work() as session:
        ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        # Outside any area, 不满意, overdue, and one two days ahead of the real clock (the migration reads it).
        session.execute(
            update(Case).where(Case.id.in_(ids[:5])).values(street_id=None, community_id=None)
        )
        session.execute(update(Case).where(Case.id.in_(ids[5:12])).values(rating="unsatisfied"))
        open_ids = list(session.scalars(select(Case.id).where(Case.status.in_(OPEN)).limit(6)))
        session.execute(update(Case).where(Case.id.in_(open_ids)).values(is_overdue=True))
        ahead = datetime.now(UTC) + timedelta(days=2)
        session.execute(update(Case).where(Case.id == ids[-1]).values(registered_at=ahead))
    yield db
    db.dispose()
    drop_database(url)


def _rollup(db: Database) -> dict[str, Any]:
    with db.reading() as session:
        figures = [getattr(AreaDayCount, f) for f in FIGURES]
        days = session.execute(
            select(AreaDayCount.day, AreaDayCount.street_id, AreaDayCount.community_id, *figures)
        ).all()
        totals = session.execute(
            select(
                AreaTotal.street_id,
                AreaTotal.community_id,
                *(getattr(AreaTotal, f) for f in FIGURES),
            )
        ).all()
        marks = session.scalars(select(CaseDayMark.day)).all()
    key = lambda row: tuple((v is None, v) for v in row)  # noqa: E731 - a sort key, NULLs first
    return {
        "days": sorted((tuple(r) for r in days), key=key),
        "totals": sorted((tuple(r) for r in totals), key=key),
        "marks": sorted(marks),
    }


def test_the_migrations_backfill_equals_the_jobs_rebuild(history: Database) -> None:
    with history.unit_of_work() as session:
        rebuild_area_rollup(session, now=datetime.now(UTC))
    by_job = _rollup(history)
    # The history is rich enough for every figure and both kinds of key to count.
    assert len(by_job["days"]) > 30 and len(by_job["marks"]) == 3
    for i, name in enumerate(FIGURES):
        assert sum(row[2 + i] for row in by_job["totals"]) > 0, name
    assert any(row[0] is None for row in by_job["totals"])

    downgrade(history, BEFORE)
    migrate(history)

    assert _rollup(history) == by_job


def _service_rows(db: Database) -> list[tuple[Any, ...]]:
    with db.reading() as session:
        rows = session.execute(
            select(
                ServiceDayCount.day,
                ServiceDayCount.class_name,
                ServiceDayCount.service,
                ServiceDayCount.cases,
                ServiceDayCount.closed,
            )
        ).all()
    return sorted((tuple(r) for r in rows), key=lambda row: tuple((v is None, v) for v in row))


def test_boards_backfill_equals_the_service_rebuild(history: Database) -> None:
    with history.unit_of_work() as session:
        rebuild_service_rollup(session)
    by_job = _service_rows(history)
    assert len(by_job) > 30
    assert sum(r[3] for r in by_job) == 300 and sum(r[4] for r in by_job) > 0

    downgrade(history, "unitdefault0001")
    migrate(history)

    assert _service_rows(history) == by_job


def _unit_rows(db: Database) -> list[tuple[Any, ...]]:
    with db.reading() as session:
        rows = session.execute(
            select(
                UnitDayFigures.day,
                UnitDayFigures.unit_id,
                *(getattr(UnitDayFigures, c) for c in UNIT_COLUMNS),
            )
        ).all()
    return sorted(tuple(r) for r in rows)


def test_unitrollup_marks_every_day_and_the_job_folds_them_a_month_a_run(
    history: Database,
) -> None:
    now = datetime.now(UTC)
    with history.unit_of_work() as session:
        rebuild_unit_rollup(session, now=now)
    by_job = _unit_rows(history)
    assert len(by_job) > 30

    downgrade(history, "boards0001")
    migrate(history)

    # Nothing folded yet, every day marked: the assessment is exact all the same (read live).
    assert _unit_rows(history) == []
    month = period_of("month", now.astimezone(DISTRICT_ZONE).date() - timedelta(days=20))
    with history.reading() as session:
        marks = sorted(set(session.scalars(select(UnitDayMark.day))))
        assert marks[-1] >= now.astimezone(DISTRICT_ZONE).date()
        assert len(marks) == (marks[-1] - marks[0]).days + 1
        live = assess_units(session, month).as_dict()
        assert live == assess_units(session, month, scan=True).as_dict()
    # The job folds a month of days per run, oldest first, until only today's marks are left.
    runs = []
    while True:
        with history.unit_of_work() as session:
            folded = roll_up_units(session, now=now)
        if not folded:
            break
        runs.append(folded)
    assert runs[0] == DAYS_PER_RUN and len(runs) >= 2
    assert _unit_rows(history) == by_job


def _late_open_rows(db: Database) -> list[tuple[Any, ...]]:
    with db.reading() as session:
        rows = session.execute(
            select(UnitLateOpen.day, UnitLateOpen.until, UnitLateOpen.unit_id, UnitLateOpen.cases)
        ).all()
    return sorted((tuple(r) for r in rows), key=str)


def test_lateopen_marks_the_breach_days_and_the_job_folds_them(history: Database) -> None:
    now = datetime.now(UTC)
    with history.unit_of_work() as session:
        rebuild_unit_rollup(session, now=now)
    by_job = _late_open_rows(history)
    assert any(until is None for _, until, _, _ in by_job)
    assert any(until is not None for _, until, _, _ in by_job)

    downgrade(history, "searchmonth0001")
    with history.unit_of_work() as session:
        session.execute(delete(UnitDayMark))
    migrate(history)

    # Nothing folded, every day from the first breach marked: the live read is exact.
    assert _late_open_rows(history) == []
    today = now.astimezone(DISTRICT_ZONE).date()
    months = [period_of("month", today - timedelta(days=d)) for d in (20, 50, 80)]
    with history.reading() as session:
        marks = sorted(set(session.scalars(select(UnitDayMark.day))))
        assert marks[-1] >= today and len(marks) == (marks[-1] - marks[0]).days + 1
        for month in months:
            live = assess_units(session, month).as_dict()
            assert live == assess_units(session, month, scan=True).as_dict()
    with history.unit_of_work() as session:
        roll_up_units(session, now=now, limit=None)
    assert _late_open_rows(history) == by_job
    with history.reading() as session:
        for month in months:
            rolled = assess_units(session, month).as_dict()
            assert rolled == assess_units(session, month, scan=True).as_dict()
