"""Four worker processes over 20k due clocks on PostgreSQL (40 sweeps of 500), one killed mid-way:
every clock fires exactly once. (SQLite has a single writer, so several workers there simply take
turns.) The count is not the point, the races are: 20k keeps all four busy for many sweeps each
at a fifth of the time 100k took; `minyi bench clocks` measures the volume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from conftest import drop_database, migrated_database_url
from minyi.core.db import Database
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import clock_row
from minyi.wiring import build_registry

MINYI = str(Path(sys.executable).parent / "minyi")
CLOCKS = 20_000
HANG_S = 120  # a hang detector for a worker's exit, not a speed assertion


def count(db: Database, stmt: object) -> int:
    with db.reading() as session:
        return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]


@pytest.mark.slow
@pytest.mark.console_script
class TestManyWorkers:
    def test_no_clock_fires_twice_and_none_is_missed(self, tmp_path: Path) -> None:
        url = migrated_database_url("postgres", tmp_path)
        db = Database(url, registry=build_registry())
        started = datetime.now(UTC) - timedelta(hours=2)
        rows = [
            clock_row(
                subject="load",
                subject_id=n,
                milestone="reply",
                name="测试",
                duration=timedelta(minutes=30),
                calendar="natural",
                warn_ratio=0.8,
                started_at=started,
                case_id=None,
            )
            for n in range(CLOCKS)
        ]
        with db.unit_of_work() as session:
            for i in range(0, CLOCKS, 10_000):
                session.execute(insert(Clock), rows[i : i + 10_000])
        env = os.environ | {"MINYI_DATABASE_URL": url, "MINYI_WORKER_INTERVAL_SECONDS": "0.1"}
        workers = [
            subprocess.Popen(
                [MINYI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            for _ in range(4)
        ]
        try:
            deadline = time.monotonic() + 240
            while count(db, select(func.count()).select_from(ClockFiring)) < CLOCKS // 4:
                assert time.monotonic() < deadline, "workers made no progress"
                time.sleep(0.05)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            while (
                count(db, select(func.count()).where(Clock.state == "breached")) < CLOCKS
                and time.monotonic() < deadline
            ):
                time.sleep(0.2)
            for w in workers[1:]:
                assert w.poll() is None, w.stderr.read().decode() if w.stderr else "a worker died"
        finally:
            for w in workers:
                if w.poll() is None:
                    w.send_signal(signal.SIGTERM)
            for w in workers:
                try:
                    w.wait(timeout=HANG_S)
                except subprocess.TimeoutExpired:
                    w.kill()
                    pytest.fail(f"a worker was still alive {HANG_S} s after SIGTERM")
        try:
            # Each clock is due past its deadline: exactly one firing (the breach), no warning.
            assert count(db, select(func.count()).where(Clock.state == "breached")) == CLOCKS
            assert count(db, select(func.count()).select_from(ClockFiring)) == CLOCKS
            assert count(db, select(func.count(func.distinct(ClockFiring.clock_id)))) == CLOCKS
            assert count(db, select(func.count(func.distinct(ClockFiring.worker)))) >= 3
        finally:
            db.dispose()
            drop_database(url)
