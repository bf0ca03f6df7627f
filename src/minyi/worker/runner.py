from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import importlib
import importlib.util
import pkgutil

import minyi
from minyi.core.clock import Clock
from minyi.core.db import Database

log = logging.getLogger(__name__)

Job = Callable[..., int]


def discover_jobs() -> dict[str, Job]:
    """Every `<package>/jobs.py` that defines `WORKER_JOBS` adds its jobs, by the same
    convention as models.py and wiring.py, so a new package's job runs without editing this."""
    jobs: dict[str, Job] = {}
    for info in sorted(pkgutil.iter_modules(minyi.__path__), key=lambda i: i.name):
        name = f"minyi.{info.name}.jobs"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            jobs.update(getattr(importlib.import_module(name), "WORKER_JOBS", {}))
    return jobs


# Each job takes (session, now=...) and returns how much it did; a job that did a full batch
# runs again at once, so a backlog drains without waiting for the next tick.
JOBS: dict[str, Job] = discover_jobs()


def run_once(db: Database, clock: Clock, stop: threading.Event | None = None) -> dict[str, int]:
    done: dict[str, int] = {}
    for name, job in JOBS.items():
        if stop is not None and stop.is_set():
            break  # asked to stop: the jobs left run in the next worker
        now: datetime = clock.now()
        try:
            with db.unit_of_work() as session:
                done[name] = job(session, now=now)
        except Exception:
            log.exception("worker job %s failed; it runs again next tick", name)
            done[name] = 0
    return done


class Worker:
    def __init__(self, db: Database, clock: Clock, interval: float) -> None:
        self._db, self._clock, self._interval = db, clock, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            done = run_once(self._db, self._clock, self._stop)
            if not any(done.values()):
                self._stop.wait(self._interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="clock-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            # Bounded: a job stuck past this dies with the process (its transaction rolls back).
            self._thread.join(timeout=10)
