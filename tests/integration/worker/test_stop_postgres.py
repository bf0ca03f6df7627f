"""A real `minyi worker` stopped by SIGTERM mid-batch, many times over, on PostgreSQL: it leaves
promptly with code 0, and no clock firing is lost or done twice (the body: tests/worker_stops.py;
SQLite in test_stop.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker_stops import stop_many_times


@pytest.mark.parametrize("backend", ["postgres"])
class TestStopWorker:
    def test_sigterm_mid_batch_exits_cleanly_and_loses_nothing(
        self, backend: str, tmp_path: Path
    ) -> None:
        stop_many_times(backend, tmp_path)
