from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from minyi.notify.jobs import deliver_due
from minyi.sla.jobs import fire_due_clocks
from minyi.core.clock import Clock
from minyi.core.db import Database

log = logging.getLogger(__name__)

Job = Callable[..., int]
# Each job takes (session, now=...) and returns how much it did; a job that did a full batch
# runs again at once, so a backlog drains without waiting for the next tick.
JOBS: dict[str, Job] = {"fire_clocks": fire_due_clocks, "deliver_outbox": deliver_due}


def run_once(db: Database, clock: Clock) -> dict[str, int]:
    done: dict[str, int] = {}
    for name, job in JOBS.items():
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
            done = run_once(self._db, self._clock)
            if not any(done.values()):
                self._stop.wait(self._interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="clock-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
