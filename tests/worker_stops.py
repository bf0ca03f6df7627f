"""The body of tests/integration/worker/test_stop*.py: a real `minyi worker` stopped by SIGTERM
mid-batch, many times over, on one backend. One test file per backend, so that xdist's
`--dist loadfile` can run the two (each over a minute) on different workers."""

from __future__ import annotations

import contextlib
import os
import random
import select as io_select
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import func, select

from conftest import START, demo_database_url, drop_database
from factories import TZ, appeal_payload
from minyi.cases.models import CaseEvent
from minyi.core.clock import SystemClock
from minyi.core.db import Database
from minyi.core.errors import MinyiError
from minyi.core.ids import IdAllocator
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.service import actor_for_username
from minyi.sla.models import Clock, ClockFiring
from minyi.sla.service import RUNNING
from minyi.wiring import build_registry
from minyi.worker.runner import run_once

RUNS = 10  # per database: 20 stops in all
HANG_S = 120  # a hang detector, not a speed assertion

# `python -m minyi worker`, with the imports (seconds of CPU each time: the whole app) paid once:
# a parent process imports the CLI and the app, starts no thread and opens no database, then forks
# one child per run on a line `go <fifo>` from the test. The child is a fresh process of its own
# (its pid is the one SIGTERM goes to), runs the CLI entry point as `minyi worker` does, writes
# its stderr to the fifo (the test reads it like a pipe) and leaves through the interpreter's
# usual shutdown; the parent reports its exit code as `exit <code>`.
FORKING_WORKER = """
import os, socket, sys
from minyi.cli.main import app
import minyi.cli.serve, minyi.sla.jobs, minyi.wiring  # what `minyi worker` imports, paid once
while True:
    line = sys.stdin.readline()
    if not line.startswith("go "):
        sys.exit(0)  # the test is done
    pid = os.fork()
    if pid == 0:
        break
    print(pid, flush=True)
    print("exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
# The child: a worker process of its own, named by its own pid as an exec'd one would be.
minyi.sla.jobs.WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0)
os.dup2(null, 1)
os.dup2(os.open(line[3:].strip(), os.O_WRONLY), 2)
sys.argv = ["minyi", "worker"]
app()
"""


class Workers:
    """Starts `minyi worker` processes one at a time, forked from one primed parent."""

    def __init__(self, url: str, tmp: Path) -> None:
        env = dict(
            os.environ,
            MINYI_DATABASE_URL=url,
            MINYI_ENVIRONMENT="test",
            MINYI_DATA_DIR=str(tmp / "data"),
            MINYI_LOAD_DEMO_IF_EMPTY="false",
            MINYI_WORKER_INTERVAL_SECONDS="0.2",
        )
        self.tmp = tmp
        self.parent = subprocess.Popen(
            [sys.executable, "-c", FORKING_WORKER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.runs = 0

    def start(self) -> tuple[int, BinaryIO]:
        """A new worker: its pid and its stderr."""
        assert self.parent.stdin is not None and self.parent.stdout is not None
        self.runs += 1
        fifo = self.tmp / f"worker-{self.runs}.stderr"
        os.mkfifo(fifo)
        self.parent.stdin.write(f"go {fifo}\n".encode())
        self.parent.stdin.flush()
        pid = int(self.parent.stdout.readline())
        return pid, fifo.open("rb")  # opens once the child has opened its end

    def wait(self, pid: int, timeout: float) -> int | None:
        """The worker's exit code, or None if it is still alive after `timeout` seconds."""
        assert self.parent.stdout is not None
        ready, _, _ = io_select.select([self.parent.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.parent.stdout.readline().split()
        assert line[0] == b"exit", line
        return int(line[1])

    def close(self, pid: int | None) -> None:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert self.parent.stdin is not None
        self.parent.stdin.close()
        self.parent.wait(timeout=HANG_S)


def register_batch(db: Database, n: int, *, now: datetime) -> None:
    """`n` appeals by the clerk through intake's `register_appeals`, in one transaction."""
    items = [AppealIn.model_validate(appeal_payload()) for _ in range(n)]
    ids = IdAllocator(db, "appeals", block=n).take(n)
    with db.unit_of_work() as session:
        clerk = actor_for_username(session, "clerk")
        results = register_appeals(
            session, items, actors=[clerk] * n, ids=ids, refs=RefCache(), now=now, tz=TZ
        )
    for result in results:
        if isinstance(result, MinyiError):
            raise result


def stop_many_times(backend: str, tmp_path: Path) -> None:
    """It leaves promptly with code 0 each time, and no clock firing is lost or done twice."""
    url = demo_database_url(backend, tmp_path)
    # The parent's imports (seconds of CPU) go on while the appeals are registered: it opens no
    # database and forks no worker before the first `go`.
    workers = Workers(url, tmp_path)
    pid: int | None = None
    db = Database(url, registry=build_registry())
    try:
        # Clocks started at START, weeks ago: all due for the real clock. One transaction for the
        # forty (intake's batch path, as the group-commit writer uses it): one commit, not forty.
        register_batch(db, 40, now=START)
        with db.reading() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(Clock).where(Clock.state == RUNNING)
                )
                >= 80
            )
        rng = random.Random(13)
        try:
            for run in range(RUNS):
                pid, stderr = workers.start()
                with stderr:
                    for line in stderr:  # before this line the process is still wiring itself
                        if b"worker started" in line:
                            break
                    time.sleep(
                        rng.uniform(0.0, 1.5)
                    )  # some stops land mid-batch, some in the sleep
                    with contextlib.suppress(ProcessLookupError):  # it died: its code tells
                        os.kill(pid, signal.SIGTERM)
                    rc = workers.wait(pid, timeout=HANG_S)
                    if rc is None:
                        pytest.fail(
                            f"run {run}: the worker was still alive {HANG_S} s after SIGTERM"
                        )
                    pid = None
                    err = stderr.read().decode()
                assert rc == 0, f"run {run}: exit code {rc}\n{err[-2000:]}"
        finally:
            workers.close(pid)  # a failed run's worker is killed
            pid = None
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
    finally:
        if workers.parent.poll() is None:  # the setup failed before the runs
            workers.close(pid)
        db.dispose()
        drop_database(url)
