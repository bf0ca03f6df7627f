"""`minyi bench clocks`: how fast the worker finds and fires due clocks over a large open book.

It fills a fresh database with one running clock per open case (deadlines spread over the
next 30 days), then measures (1) one sweep — the indexed query that finds the due clocks,
claimed FOR UPDATE SKIP LOCKED and rolled back — with a few hundred due, and (2) firings per
second when `fire` clocks fall due at once and 1, then 4, `minyi worker` processes drain them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update

from minyi.bench.intake import fresh_database
from minyi.bootstrap import migrate
from minyi.core.db import Database
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import clock_row
from minyi.wiring import build_registry

CHUNK = 20_000


@dataclass
class ClocksReport:
    db: str
    cases: int
    sweep_ms: list[float] = field(default_factory=list)
    fired_per_second: dict[int, float] = field(default_factory=dict)
    fire: int = 0

    @property
    def sweep_median_ms(self) -> float:
        return statistics.median(self.sweep_ms)


def _fill(db: Database, cases: int, now: datetime, step: Callable[[int], None]) -> None:
    spread = timedelta(days=30).total_seconds() / max(cases, 1)
    for start in range(0, cases, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, cases)):
            started = now - timedelta(hours=1)
            row = clock_row(
                subject="case",
                subject_id=n + 1,
                milestone="close",
                name="3天内办结",
                duration=timedelta(days=3),
                calendar="natural",
                warn_ratio=0.8,
                started_at=started,
                case_id=None,
            )
            # Deadlines spread over the next month: the book a district really carries.
            row["due_at"] = now + timedelta(seconds=60 + n * spread)
            row["warn_at"] = row["next_fire_at"] = row["due_at"] - timedelta(hours=6)
            rows.append(row)
        with db.unit_of_work() as session:
            session.execute(insert(Clock), rows)
        step(len(rows))


def _sweep_once(db: Database, now: datetime) -> float:
    t0 = time.perf_counter()
    with db.sessions() as session, session.begin():
        list(
            session.scalars(
                select(Clock.id)
                .where(Clock.state == "running", Clock.next_fire_at <= now)
                .order_by(Clock.next_fire_at)
                .limit(500)
                .with_for_update(skip_locked=True)
            )
        )
        session.rollback()
    return (time.perf_counter() - t0) * 1000


def _make_due(db: Database, fire: int, now: datetime) -> None:
    past = now - timedelta(minutes=1)
    with db.unit_of_work() as session:
        session.execute(delete(ClockFiring))
        session.execute(
            update(Clock)
            .where(Clock.subject_id <= fire)
            .values(
                state="running",
                due_at=past,
                warn_at=past,
                next_fire_at=past,
                warned_at=None,
                breached_at=None,
            )
        )


def _drain(db: Database, url: str, workers: int, fire: int, step: Callable[[int], None]) -> float:
    env = os.environ | {"MINYI_DATABASE_URL": url, "MINYI_WORKER_INTERVAL_SECONDS": "0.05"}
    minyi = str(Path(sys.executable).parent / "minyi")
    procs = [
        subprocess.Popen(
            [minyi, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    t0 = time.perf_counter()
    done = 0
    try:
        while done < fire:
            time.sleep(0.05)
            with db.reading() as session:
                now_done = int(session.scalar(select(func.count()).select_from(ClockFiring)) or 0)
            step(now_done - done)
            done = now_done
            if time.perf_counter() - t0 > 600:
                raise RuntimeError(f"workers fired only {done} of {fire} clocks in 10 minutes")
        return fire / (time.perf_counter() - t0)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def run_clocks_bench(
    db_kind: str,
    cases: int,
    fire: int,
    worker_counts: list[int],
    sweeps: int,
    start_task: Callable[[str, int], Callable[[int], None]],
) -> ClocksReport:
    report = ClocksReport(db=db_kind, cases=cases, fire=min(fire, cases))
    with tempfile.TemporaryDirectory() as tmp, fresh_database(db_kind, Path(tmp)) as url:
        db = Database(url, registry=build_registry())
        migrate(db)
        now = datetime.now(UTC)
        _fill(db, cases, now, start_task(f"fill {cases:,} open cases' clocks", cases))
        # A few hundred due now: what a sweep finds on a busy morning.
        with db.unit_of_work() as session:
            session.execute(
                update(Clock)
                .where(Clock.subject_id <= 300)
                .values(next_fire_at=now - timedelta(seconds=1))
            )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE clocks")
        tick = start_task("sweeps", sweeps)
        for _ in range(sweeps):
            report.sweep_ms.append(_sweep_once(db, now))
            tick(1)
        for workers in worker_counts:
            _make_due(db, report.fire, datetime.now(UTC))
            report.fired_per_second[workers] = _drain(
                db,
                url,
                workers,
                report.fire,
                start_task(f"fire {report.fire:,} with {workers} worker(s)", report.fire),
            )
        db.dispose()
    return report
