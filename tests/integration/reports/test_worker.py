"""The worker issues yesterday's report once the clock reaches 08:00 in Shanghai, exactly once,
however many workers run the job at the same moment."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from conftest import private_demo_app
from minyi.reports.jobs import Schedule, issue_due_daily_report
from minyi.reports.models import ReportIssue
from minyi.worker.runner import run_once

from .conftest import TZ

EIGHT = Schedule(time(8, 0), TZ)


def test_issued_once_at_eight_for_the_day_before(backend: str, tmp_path: Path) -> None:
    with private_demo_app(backend, tmp_path) as (_client, db, clock):
        # START is Friday 11-20 09:00 in Shanghai: Thursday's report is due and goes out.
        assert run_once(db, clock)["issue_daily_report"] == 1
        assert run_once(db, clock)["issue_daily_report"] == 0
        clock.advance(datetime(2026, 11, 21, 7, 59, tzinfo=TZ) - clock.now())
        assert run_once(db, clock)["issue_daily_report"] == 0  # Friday's not yet
        clock.advance(timedelta(minutes=1))
        assert run_once(db, clock)["issue_daily_report"] == 1
        assert run_once(db, clock)["issue_daily_report"] == 0
        with db.reading() as session:
            issued = session.execute(
                select(
                    ReportIssue.number,
                    ReportIssue.period_start,
                    ReportIssue.issued_at,
                    ReportIssue.issued_by,
                ).order_by(ReportIssue.number)
            ).all()
        assert [(n, d, by) for n, d, _, by in issued] == [
            (1, date(2026, 11, 19), "worker"),
            (2, date(2026, 11, 20), "worker"),
        ]
        assert issued[1][2] == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)

        # Several workers at 08:00 the next day: one issues, the others find it done.
        clock.advance(timedelta(days=1))
        results: list[int] = []
        barrier = threading.Barrier(3)

        def worker() -> None:
            barrier.wait()
            with db.unit_of_work() as session:
                results.append(issue_due_daily_report(session, now=clock.now(), schedule=EIGHT))

        threads = [threading.Thread(target=worker) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sorted(results) == [0, 0, 1]
        with db.reading() as session:
            assert list(
                session.scalars(select(ReportIssue.number).order_by(ReportIssue.number))
            ) == [1, 2, 3]
