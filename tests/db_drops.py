"""Dropping the tests' PostgreSQL databases off the tests' path.

On PostgreSQL 15 every DROP DATABASE waits for a forced checkpoint of the whole cluster: a
fraction of a second on a quiet server, seconds on a busy one, and the test that asked waited
for it in its teardown. Here a few threads drop them while the next tests run (drops that
overlap share one checkpoint), and `drain` waits for what is left when the process ends.

A module of its own, not part of conftest.py: tests import `conftest` a second time as a module
of their own, and both copies must hand their drops to the same threads."""

from __future__ import annotations

import atexit
import queue
import threading

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

THREADS = 3


class Dropper:
    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.failures: list[str] = []

    def drop(self, admin_url: str, name: str) -> None:
        with self._lock:
            if not self._threads:
                for i in range(THREADS):
                    thread = threading.Thread(target=self._run, name=f"db-drop-{i}", daemon=True)
                    thread.start()
                    self._threads.append(thread)
        self._queue.put((admin_url, name))

    def _run(self) -> None:
        engines: dict[str, Engine] = {}
        while (item := self._queue.get()) is not None:
            admin_url, name = item
            try:
                if admin_url not in engines:
                    engines[admin_url] = create_engine(admin_url, isolation_level="AUTOCOMMIT")
                with engines[admin_url].connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as error:  # a leftover database, not a test failure
                self.failures.append(f"{name}: {error}")
            finally:
                self._queue.task_done()
        for engine in engines.values():
            engine.dispose()

    def drain(self) -> None:
        """Wait until every database handed over is dropped; the threads then end."""
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join()


DROPPER = Dropper()
atexit.register(DROPPER.drain)
