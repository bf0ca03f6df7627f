"""The worker's loops: the clocks have their own, so a slow job never delays them; a job with a
cadence runs at most that often."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from minyi.core.clock import SystemClock
from minyi.core.db import Database
from minyi.core.registry import CLOCKS_LOOP, JobContext, Registry
from minyi.core.settings import Settings
from minyi.worker.runner import Worker

WAIT_S = 10  # a hang detector, not a speed assertion


@contextmanager
def running(registry: Registry, tmp_path: Path, interval: float = 0.02) -> Iterator[None]:
    """A worker on its own SQLite file running `registry`'s jobs until the block ends."""
    db = Database(f"sqlite:///{tmp_path / 'worker.db'}")
    settings = Settings(
        environment="test",
        database_url=db.url,
        data_dir=tmp_path,
        worker_interval_seconds=interval,
    )
    worker = Worker(db, SystemClock(), settings, registry)
    worker.start()
    try:
        yield
    finally:
        worker.stop()
        db.dispose()


class TestLoops:
    def test_a_slow_job_does_not_delay_the_clocks(self, tmp_path: Path) -> None:
        started, release, fired = threading.Event(), threading.Event(), threading.Event()
        runs_after_start: list[int] = []

        def slow(_ctx: JobContext) -> int:  # the report PDF, a model training
            started.set()
            release.wait(WAIT_S)
            return 0

        def clocks(_ctx: JobContext) -> int:
            if started.is_set():
                runs_after_start.append(1)
                if len(runs_after_start) >= 3:
                    fired.set()
            return 0

        registry = Registry()
        registry.job("slow", slow)
        registry.job("fire_clocks", clocks, loop=CLOCKS_LOOP)
        with running(registry, tmp_path):
            try:
                assert started.wait(WAIT_S)
                assert fired.wait(WAIT_S), "the clocks waited for the slow job"
            finally:
                release.set()

    def test_a_job_with_a_cadence_runs_at_most_that_often(self, tmp_path: Path) -> None:
        ticks, hourly = threading.Event(), []
        count = [0]

        def every_tick(_ctx: JobContext) -> int:
            count[0] += 1
            if count[0] >= 5:
                ticks.set()
            return 0

        def once_an_hour(_ctx: JobContext) -> int:
            hourly.append(1)
            return 0

        registry = Registry()
        registry.job("every_tick", every_tick)
        registry.job("calendar", once_an_hour, every=3600)
        with running(registry, tmp_path):
            assert ticks.wait(WAIT_S)
        assert hourly == [1]

    def test_a_job_that_found_nothing_waits_while_another_drains_its_backlog(
        self, tmp_path: Path
    ) -> None:
        """The outbox busy through a burst of appeals must not make every idle job of its loop
        look again on each pass: an idle job waits its interval whatever the others do."""
        drained, idle_runs = threading.Event(), []
        backlog = [30]

        def busy(_ctx: JobContext) -> int:
            if backlog[0] == 0:
                drained.set()
                return 0
            backlog[0] -= 1
            return 1

        def idle(_ctx: JobContext) -> int:
            idle_runs.append(1)
            return 0

        registry = Registry()
        registry.job("outbox", busy)
        registry.job("idle", idle)
        with running(registry, tmp_path, interval=60):  # no second look in this test
            assert drained.wait(WAIT_S)
        assert backlog == [0]
        assert idle_runs == [1]
