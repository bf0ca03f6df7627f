"""`minyi bench reads` on a small SQLite history: every read of every role is timed and finds
what the history holds; `--reuse` with `--only` and `--json` times a kept database again.

No timing is asserted (speed is what the bench prints); what is checked is that the table has
every read, each timed `repeats` times, and that the hits agree with the history and each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import PG_ADMIN_URL
from minyi.bench.reads import _reads, run_reads_bench
from minyi.cli.main import app

APPEALS = 1000


def _no_progress(_label: str, _total: int) -> Callable[[int], None]:
    return lambda _n: None


@pytest.mark.slow
def test_every_read_of_every_role_is_timed_and_finds_the_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reads.db'}"
    report = run_reads_bench("sqlite", APPEALS, 60, 2, _no_progress, keep=url)

    names = [name for name, _, _ in _reads("", "")]
    assert list(report.timings_ms) == names
    assert all(len(runs) == 2 and min(runs) > 0 for runs in report.timings_ms.values())
    hits = report.hits
    assert report.appeals == APPEALS and report.indexed == APPEALS
    assert hits["case list, first page"] == hits["case list, page 500"] == APPEALS
    assert hits["dispatcher: inbox, all, newest, page 2"] == APPEALS
    # The search index finds what the old substring scan finds.
    for label in (
        "search '路灯'",
        "search '火箭' (no hits)",
        "search '桂花' (rare)",
        "search a tracking number",
    ):
        assert hits[f"{label}, index"] == hits[f"{label}, old scan"], label
    assert hits["search '路灯', index"] > 0
    assert hits["search '火箭' (no hits), index"] == 0
    assert hits["search a tracking number, index"] == 1
    # Scopes narrow: a unit's and an area's lists are parts of the district's open cases.
    open_cases = hits["dispatcher: inbox (open, most urgent)"]
    assert 0 < open_cases < APPEALS
    assert 0 < hits["unit handler: inbox (open)"] < open_cases
    assert 0 <= hits["community staff: area board"] <= hits["street staff: area board"] < open_cases
    assert hits["intake clerk: form with a caller's number"] >= 1  # the caller of a history case
    assert hits["analytics: assessment, last month"] > 0
    assert hits["secretary: dashboard"] > 0

    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            *("bench", "reads", "--db", "sqlite", "--reuse", url),
            *("--repeats", "1", "--only", "dispatcher:", "--skip", "board", "--json"),
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["cases"] == APPEALS and figures["indexed"] == 0  # nothing left to back-fill
    read = [r["read"] for r in figures["reads"]]
    assert read == [n for n in names if "dispatcher:" in n and "board" not in n]
    assert any("board" in n for n in names if "dispatcher:" in n)  # so the skip left one out
    assert all(r["runs"] == 1 and r["p95_ms"] >= r["p50_ms"] > 0 for r in figures["reads"])


@pytest.mark.slow
def test_copies_grow_a_postgresql_history_with_fresh_tracking_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MINYI_BENCH_PG_URL", PG_ADMIN_URL)  # the suite's server, not the default
    report = run_reads_bench(
        "postgres", APPEALS, 60, 1, _no_progress, copies=3, only="tracking number"
    )
    assert report.appeals == 3 * APPEALS
    assert report.indexed == APPEALS  # the copies carry their search-index rows
    # A tracking number of the middle copy is found once, by the index and by the old scan.
    assert report.hits == {
        "search a tracking number, index": 1,
        "search a tracking number, old scan": 1,
    }
