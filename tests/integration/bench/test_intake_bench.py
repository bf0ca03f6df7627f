"""`minyi bench intake` end to end on a small run: its own server, real HTTP, the worker beside it.

No timing is asserted (speed is what the bench prints); what is checked is that every appeal was
acknowledged, the table and the machine line are printed, and the bench waited for the worker to
triage every appeal it sent.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_harness import run_cli
from minyi.bench.intake import wait_until_settled

MINYI = str(Path(sys.executable).parent / "minyi")


@pytest.mark.slow
@pytest.mark.console_script
def test_bench_intake_runs_its_own_server_and_waits_for_triage(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    run = subprocess.run(
        [
            MINYI,
            "bench",
            "intake",
            "--db",
            "sqlite",
            "--n",
            "60",
            "--concurrency",
            "4",
            "--repeats",
            "2",
            "--json-out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        # The bench's server on the demo accounts alone: four weeks of demo history (tens of
        # seconds, covered by tests/integration/demo) would only delay the run; triage still
        # writes a suggestion for every appeal without a model (intake's category hint).
        env=os.environ | {"MINYI_DEMO": "empty"},
    )
    assert run.returncode == 0, run.stderr
    assert "the server settled after" in run.stdout  # round 1 waited for the start-up's jobs
    line = next(x for x in run.stdout.splitlines() if x.startswith("MINYI intake"))
    assert re.search(r"db=sqlite conc=4 rps=[\d.]+ .* non_201=0 texts=templates", line)
    assert "triage_drain_s=" in line
    result = json.loads(out.read_text())
    assert [r["ok"] for r in result["rounds"]] == [60, 60]
    assert result["triage_drain_s"] is not None and result["triage_drain_s"] >= 0


@pytest.mark.parametrize(
    "args",
    [["--db", "sqlite"], ["--db", "postgres", "--url", "http://127.0.0.1:9"]],
    ids=["sqlite", "external-server"],
)
def test_bench_intake_refuses_a_replica_it_cannot_configure(
    tmp_path: Path, args: list[str]
) -> None:
    """A replica follows a PostgreSQL server the bench creates its database on: beside SQLite,
    or for a server it did not start, it is refused in one line before anything runs. (In this
    process: a refusal of arguments is not the console script's start-up, which the test above
    runs, and a subprocess paid seconds of imports per case.)"""
    run = run_cli(
        ["bench", "intake", *args, "--replica", "postgresql://127.0.0.1:1/x"], cwd=tmp_path
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: --replica needs --db postgres and a server the bench starts (no --url)"
    ]


def test_the_bench_waits_for_a_busy_server_to_settle() -> None:
    """Before round 1: CPU seconds read off the server's processes, busy for two windows (a
    fresh worker's start-up), then quiet; a server that never settles is measured anyway."""
    readings = iter([0.0, 0.05, 0.1, 0.1002, 9.0])  # 50 ms in a 10 ms window: busy, busy, quiet
    said: list[str] = []
    assert wait_until_settled(lambda: next(readings), said.append, window_s=0.01, timeout_s=5)
    assert said[-1].startswith("the server settled after")
    assert next(readings) == 9.0  # stopped reading once settled

    busy = iter(float(i) for i in range(10_000))  # a whole second a window
    said.clear()
    assert not wait_until_settled(lambda: next(busy), said.append, window_s=0.01, timeout_s=0.05)
    assert said[-1].endswith("measuring anyway")
    assert not wait_until_settled(lambda: None, said.append)  # no /proc: no wait
