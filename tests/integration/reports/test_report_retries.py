"""The worker renders the daily report before it writes anything (so SQLite intake never waits
for a PDF), and a report that fails to build is retried with back-off, parked after the last
attempt, and never keeps the next day's report (or the worker's other jobs) from going out."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from conftest import private_demo_app
from minyi.core.db import Database
from minyi.reports import service
from minyi.reports.jobs import RETRY, Schedule, issue_due_daily_report
from minyi.reports.models import ReportIssue, ReportRun
from minyi.worker.runner import run_once
from parked_checks import parked_cli, parked_metric

from .conftest import TZ

EIGHT = Schedule(time(8, 0), TZ)


def nobody_is_writing(db: Database) -> bool:
    """Seen from outside: could another writer (intake) start a write transaction right now?
    SQLite: take the write lock without waiting. PostgreSQL: no other session of this database
    holds a transaction that has written (a transaction id is assigned at the first write)."""
    if db.engine.dialect.name == "sqlite":
        conn = sqlite3.connect(str(make_url(db.url).database), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()
    with db.engine.connect() as conn:
        writers = conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            )
        )
    return writers == 0


def test_the_report_renders_with_no_write_transaction_open(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with private_demo_app(backend, tmp_path) as (_client, db, clock):
        # The probe can see a writer: a transaction that has written holds it.
        with db.unit_of_work() as session:
            session.execute(text("SELECT txid_current()" if backend == "postgres" else "SELECT 1"))
            assert not nobody_is_writing(db)
        assert nobody_is_writing(db)

        seen: list[bool] = []
        real_render = service.render_pdf

        def watched_render(html: str) -> bytes:
            seen.append(nobody_is_writing(db))
            return real_render(html)

        monkeypatch.setattr(service, "render_pdf", watched_render)
        assert run_once(db, clock)["issue_daily_report"] == 1
        assert seen == [True], "the PDF was rendered while a write transaction was open"
        with db.reading() as session:
            issue = session.scalars(select(ReportIssue)).one()
            assert issue.pdf.startswith(b"%PDF") and issue.period_start == date(2026, 11, 19)


def test_a_failing_report_is_parked_and_the_next_day_still_goes_out(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_day = "2026-11-19"
    real_render = service.render_html

    def render_html(snapshot: dict[str, Any], **kwargs: Any) -> str:
        if snapshot["day"] == broken_day:
            raise RuntimeError(f"template broken for {broken_day}")
        return real_render(snapshot, **kwargs)

    monkeypatch.setattr(service, "render_html", render_html)
    with private_demo_app(backend, tmp_path) as (client, db, clock):

        def run() -> int:
            with db.unit_of_work() as session:
                return issue_due_daily_report(session, now=clock.now(), schedule=EIGHT)

        def the_run() -> ReportRun:
            with db.reading() as session:
                return session.scalars(
                    select(ReportRun).where(ReportRun.period_start == date(2026, 11, 19))
                ).one()

        done = run_once(db, clock)
        assert done["issue_daily_report"] == 1 and "fire_clocks" in done, (
            "the worker's other jobs ran too"
        )
        failed = the_run()
        assert (failed.attempts, failed.issue_id, failed.parked_at) == (1, None, None)
        assert failed.last_error is not None and "template broken" in failed.last_error
        assert failed.next_attempt_at == clock.now() + RETRY.delay(1)
        assert run() == 0, "backing off"

        for attempt in range(2, RETRY.max_attempts + 1):
            clock.advance(RETRY.delay(attempt - 1))
            assert run() == 1
            assert the_run().attempts == attempt
        parked = the_run()
        assert parked.parked_at == clock.now() and parked.next_attempt_at is None
        with db.reading() as session:
            assert session.scalars(select(ReportIssue)).all() == [], (
                "a failed report takes no number"
            )

        # The next morning Friday's report goes out; Thursday's stays parked.
        clock.advance(datetime(2026, 11, 21, 8, 0, tzinfo=TZ) - clock.now())
        assert run() == 1
        assert run() == 0
        with db.reading() as session:
            issued = session.execute(select(ReportIssue.number, ReportIssue.period_start)).all()
        assert issued == [(1, date(2026, 11, 20))]

        listed = parked_cli(db.url, "list", "--kind", "report")
        assert [(i["id"], i["attempts"], i["what"]) for i in listed["items"]] == [
            (parked.id, RETRY.max_attempts, "daily report of 2026-11-19")
        ]
        assert parked_metric(client, "report") == 1

        broken_day = "none"  # the cause is fixed; a person re-arms the report
        parked_cli(db.url, "retry", "report", str(parked.id))
        assert parked_metric(client, "report") == 0
        assert run() == 1
        with db.reading() as session:
            issued = session.execute(
                select(ReportIssue.number, ReportIssue.period_start).order_by(ReportIssue.number)
            ).all()
        assert issued == [(1, date(2026, 11, 20)), (2, date(2026, 11, 19))]
        assert the_run().issue_id is not None
