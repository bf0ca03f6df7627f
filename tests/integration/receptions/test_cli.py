"""`minyi receptions` against a real database, on both backends: schedule, list, record and the
figures; bad input ends with one line and exit code 2, nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_harness import CliResult, minyi_env, run_cli
from minyi.core.db import Database


def run(args: list[str], db: Database, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(db.url, cwd), cwd=cwd)


def test_schedule_list_record_and_figures(fresh_demo_db: Database, tmp_path: Path) -> None:
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    bad = run(
        ["receptions", "schedule", "--leader", "mayor", "--area", "S02", "--day", day,
         "--slot", "九点"],
        fresh_demo_db,
        tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "格式不对" in bad.stderr
    made = run(
        ["receptions", "schedule", "--leader", "mayor", "--area", "S02", "--day", day,
         "--slot", "09:00-10:00x4", "--slot", "10:00-11:00", "--json"],
        fresh_demo_db,
        tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    reception = json.loads(made.stdout)
    assert reception["status"] == "published" and len(reception["slots"]) == 2
    listed = run(["receptions", "list", "--json"], fresh_demo_db, tmp_path)
    assert json.loads(listed.stdout)["total"] == 1
    recorded = run(
        ["receptions", "record", str(reception["id"]), "--people", "6"], fresh_demo_db, tmp_path
    )
    assert recorded.returncode == 0 and "6 people received" in recorded.stdout
    figures = json.loads(run(["receptions", "figures", "--json"], fresh_demo_db, tmp_path).stdout)
    assert [(f["title"], f["people"]) for f in figures] == [("区长", 6)]
    refused = run(
        ["receptions", "link", "--leader", "mayor", "--area", "S03", "--as", "secretary"],
        fresh_demo_db,
        tmp_path,
    )
    assert refused.returncode == 2 and "系统管理员" in refused.stderr
