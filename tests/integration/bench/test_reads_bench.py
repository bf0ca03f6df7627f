"""`minyi bench reads` on a small SQLite history: every read of every role is timed and finds
what the history holds; `--reuse` with `--only` and `--json` times a kept database again; `--copies` grows a history
on either backend with fresh ids, tracking numbers and search rows.

No timing is asserted (speed is what the bench prints); what is checked is that the table has
every read, each timed `repeats` times, and that the hits agree with the history and each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import PG_ADMIN_URL, drop_database, new_database_url
from minyi.bench.reads import _reads, run_reads_bench
from minyi.bench.reads_copies import TRACKING_NO
from minyi.cli.main import app
from minyi.core.db import Database

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
def test_copies_grow_a_history_with_fresh_ids_tracking_numbers_and_search_rows(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINYI_BENCH_PG_URL", PG_ADMIN_URL)  # the suite's server, not the default
    url = new_database_url(backend, tmp_path)
    try:
        report = run_reads_bench(
            backend, APPEALS, 60, 1, _no_progress, keep=url, copies=3, only="tracking number"
        )
        assert report.appeals == 3 * APPEALS
        assert report.indexed == APPEALS  # the copies carry their search-index rows
        # A tracking number of the middle copy is found once, by the index and by the old scan.
        assert report.hits == {
            "search a tracking number, index": 1,
            "search a tracking number, old scan": 1,
        }
        db = Database(url)
        try:
            with db.reading() as s:
                rows = s.execute(text("SELECT id, appeal_id, tracking_no FROM cases")).all()
                appeals = dict(s.execute(text("SELECT id, tracking_no FROM appeals")).all())
                key = "rowid" if backend == "sqlite" else "case_id"
                search = text(f"SELECT {key} FROM case_search")  # noqa: S608 - a constant
                indexed = sorted(s.scalars(search))
                wide = s.scalar(
                    text(
                        f"SELECT {TRACKING_NO[db.engine.dialect.name]} FROM"  # noqa: S608 - a constant
                        " (SELECT CAST(:t AS text) AS tracking_no, CAST(:id AS bigint) AS id) AS s"
                    ),
                    {"t": "MY2026112", "id": 5, "off": 12_345_678},
                )
        finally:
            db.dispose()
    finally:
        drop_database(url)
    first = {r.id: r for r in rows if r.id <= (last := max(r.id for r in rows) // 3)}
    assert len(first) == APPEALS
    # Copy k holds every case of the first history, its id (and its appeal's) moved by k * last.
    assert sorted(r.id for r in rows) == sorted(i + k * last for k in range(3) for i in first)
    for r in rows:
        source = first[(r.id - 1) % last + 1]
        assert r.appeal_id - source.appeal_id == r.id - source.id
        # The day's prefix and the new id, seven digits: the case's and its appeal's.
        assert r.tracking_no == source.tracking_no[:9] + f"{r.id:07d}" == appeals[r.appeal_id]
    assert len({r.tracking_no for r in rows}) == 3 * APPEALS
    assert wide == "MY202611212345683"  # past 9,999,999 the number widens instead of repeating
    assert indexed == sorted(r.id for r in rows)  # one search row per case, the copies' too
