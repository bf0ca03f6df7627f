"""The body of tests/integration/worker/test_stop*.py: a real `minyi worker` stopped by SIGTERM
mid-batch, many times over, on one backend. One test file per backend, so that xdist's
`--dist loadfile` can run the two (each over a minute) on different workers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import private_demo_app
from factories import make_appeal
from minyi.cases.models import CaseEvent
from minyi.core.clock import SystemClock
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import RUNNING
from minyi.worker.runner import run_once

RUNS = 10  # per database: 20 stops in all
HANG_S = 120  # a hang detector, not a speed assertion


# `python -m minyi worker`, except that the process imports the CLI first and waits for a line on
# stdin before it runs the command: the next run's worker imports (seconds of CPU) while this run's
# worker is at work, and the run itself still starts a fresh process through the same entry point.
PRIMED_WORKER = (
    "import sys; from minyi.cli.main import app\n"
    "if sys.stdin.readline() != 'go\\n': sys.exit(0)\n"  # the test gave up on it: no worker
    "sys.argv = ['minyi', 'worker']; app()"
)


def prime_worker(url: str, tmp: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        MINYI_DATABASE_URL=url,
        MINYI_ENVIRONMENT="test",
        MINYI_DATA_DIR=str(tmp / "data"),
        MINYI_LOAD_DEMO_IF_EMPTY="false",
        MINYI_WORKER_INTERVAL_SECONDS="0.2",
    )
    return subprocess.Popen(
        [sys.executable, "-c", PRIMED_WORKER],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def start_worker(primed: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    assert primed.stdin is not None
    primed.stdin.write(b"go\n")
    primed.stdin.close()
    return primed


def stop_many_times(backend: str, tmp_path: Path) -> None:
    """It leaves promptly with code 0 each time, and no clock firing is lost or done twice."""
    with private_demo_app(backend, tmp_path) as (client, db, _clock):
        for _ in range(40):
            make_appeal(client)  # clocks started at START, weeks ago: all due for the real clock
        url = db.url
        with db.reading() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(Clock).where(Clock.state == RUNNING)
                )
                >= 80
            )
        rng = random.Random(13)
        primed = prime_worker(url, tmp_path)
        try:
            for run in range(RUNS):
                proc = start_worker(primed)
                if run + 1 < RUNS:
                    primed = prime_worker(url, tmp_path)
                assert proc.stderr is not None
                for line in proc.stderr:  # before this line the process is still importing
                    if b"worker started" in line:
                        break
                time.sleep(rng.uniform(0.0, 1.5))  # some stops land mid-batch, some in the sleep
                proc.send_signal(signal.SIGTERM)
                try:
                    rc = proc.wait(timeout=HANG_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    pytest.fail(f"run {run}: the worker was still alive {HANG_S} s after SIGTERM")
                err = proc.stderr.read().decode()
                assert rc == 0, f"run {run}: exit code {rc}\n{err[-2000:]}"
        finally:
            if primed.stdin is not None and not primed.stdin.closed:
                primed.kill()  # a failed run leaves the next one unused
                primed.wait()
        # Drain what the stopped workers left, then check every firing happened exactly once.
        clock = SystemClock()
        while any(run_once(db, clock).values()):
            pass
        with db.reading() as session:
            now = clock.now()
            assert not session.scalar(
                select(func.count())
                .select_from(Clock)
                .where(Clock.state == RUNNING, Clock.next_fire_at <= now)
            ), "a due clock was lost"
            firings = session.scalar(
                select(func.count())
                .select_from(ClockFiring)
                .join(Clock, Clock.id == ClockFiring.clock_id)
                .where(Clock.subject == "case")
            )
            shown = session.scalar(
                select(func.count())
                .select_from(CaseEvent)
                .where(CaseEvent.action.in_(["clock_warning", "clock_breach"]))
            )
            assert firings and shown == firings, "each firing's effects exactly once"
