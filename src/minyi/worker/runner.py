"""The worker: the registry's jobs, each run in a transaction of its own, in loops.

Each loop is a thread running its jobs in the registry's order; the clocks have a loop of their
own (`CLOCKS_LOOP`), so a slow job of the main loop (the report PDF, a model training) never
delays a warning or a breach. A job that did something runs again at the next pass at once (a
backlog drains without waiting); a job that found nothing waits one interval before it looks
again, however busy the other jobs of its loop are (through a burst of appeals the outbox always
has work, and every idle job looked again on each of its passes, a transaction and a query each,
on the cores intake needs); a loop where nothing was done sleeps one interval. A job with a
cadence (`every`) runs at most that often in a worker; `run_once` (tests, tools) ignores it.
"""

from __future__ import annotations

import logging
import threading
import time

from minyi.core.clock import Clock
from minyi.core.db import Database
from minyi.core.registry import CLOCKS_LOOP, Job, JobContext, Registry, Unwired
from minyi.core.settings import Settings

log = logging.getLogger(__name__)


def run_job(job: Job, db: Database, clock: Clock, settings: Settings) -> int:
    try:
        with db.unit_of_work() as session:
            context = JobContext(session=session, now=clock.now(), settings=settings, clock=clock)
            return job.run(context)
    except Exception:
        log.exception("worker job %s failed; it runs again next tick", job.name)
        return 0


def run_once(
    db: Database,
    clock: Clock,
    stop: threading.Event | None = None,
    *,
    registry: Registry | None = None,
    settings: Settings | None = None,
) -> dict[str, int]:
    """Every job of the registry once, the clocks first: what one tick of every loop does
    (`registry`: the database's own unless given)."""
    registry = registry or db.registry
    if registry is None:
        raise Unwired("run_once: no registry given and the database was made without one")
    settings = settings or Settings()  # a tool's or test's shortcut; the worker passes its own
    jobs = sorted(registry.jobs.values(), key=lambda j: j.loop != CLOCKS_LOOP)
    done: dict[str, int] = {}
    for job in jobs:
        if stop is not None and stop.is_set():
            break  # asked to stop: the jobs left run in the next worker
        done[job.name] = run_job(job, db, clock, settings)
    return done


class _Loop:
    def __init__(self, name: str, jobs: list[Job], worker: Worker) -> None:
        self.name, self.jobs, self.worker = name, jobs, worker
        self.next_run: dict[str, float] = {}  # monotonic; a job absent runs at the next pass
        self.thread: threading.Thread | None = None

    def tick(self) -> bool:
        did = False
        for job in self.jobs:
            if self.worker.stopping.is_set():
                break  # asked to stop: the jobs left run in the next worker
            at = time.monotonic()
            if at < self.next_run.get(job.name, at):
                continue
            w = self.worker
            done = run_job(job, w.db, w.clock, w.settings)
            self.next_run[job.name] = at + max(job.every, 0.0 if done > 0 else w.interval)
            did = done > 0 or did
        return did

    def run_forever(self) -> None:
        while not self.worker.stopping.is_set():
            if not self.tick():
                self.worker.stopping.wait(self.worker.interval)


class Worker:
    def __init__(self, db: Database, clock: Clock, settings: Settings, registry: Registry) -> None:
        self.db, self.clock, self.settings = db, clock, settings
        self.interval = settings.worker_interval_seconds
        self.stopping = threading.Event()
        loops: dict[str, list[Job]] = {}
        for job in registry.jobs.values():
            loops.setdefault(job.loop, []).append(job)
        self._loops = [_Loop(name, jobs, self) for name, jobs in loops.items()]

    def start(self) -> None:
        for loop in self._loops:
            name = f"worker-{loop.name}"
            loop.thread = threading.Thread(target=loop.run_forever, name=name, daemon=True)
            loop.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        # Bounded: a job stuck past this dies with the process (its transaction rolls back).
        deadline = time.monotonic() + 10
        for loop in self._loops:
            if loop.thread is not None:
                loop.thread.join(timeout=max(0.0, deadline - time.monotonic()))
