"""`minyi report`: the commands (in process, tests/cli_harness.py) against the package's demo database. The script
reads the system clock, so the days it reports lie before the machine's today (2026-11-21)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cli_harness import CliResult, minyi_env, run_cli
from minyi.reports.service import issue_daily_report

from .conftest import TZ, District


def run(args: list[str], url: str, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(url, cwd, COLUMNS="120"), cwd=cwd)


def test_daily_correct_show_and_instruct(district: District, tmp_path: Path) -> None:
    url = district.db.url
    made = run(
        ["report", "daily", "--date", "2026-11-18", "--pdf", str(tmp_path / "r.pdf")], url, tmp_path
    )
    assert made.returncode == 0, made.stderr
    issue = json.loads(made.stdout)
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")

    again = run(["report", "daily", "--date", "2026-11-18"], url, tmp_path)
    assert again.returncode == 2
    assert again.stderr.strip() == (
        f"error: the report of 2026-11-18 is issue {issue['number']}; correct it with --correct {issue['number']}"
    )
    fixed = run(
        [
            "report",
            "daily",
            "--date",
            "2026-11-18",
            "--correct",
            str(issue["number"]),
            "--note",
            "补录一件来信",
        ],
        url,
        tmp_path,
    )
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["corrects_id"] == issue["id"]

    shown = run(
        ["report", "show", str(issue["id"]), "--items", "--html", str(tmp_path / "r.html")],
        url,
        tmp_path,
    )
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["corrected_by"] == [json.loads(fixed.stdout)["id"]]
    assert "民情日报" in (tmp_path / "r.html").read_text(encoding="utf-8")

    # 11-18 had no appeals, so nothing to instruct on: instruct on 11-21's report instead.
    with district.db.unit_of_work() as session:
        busy = issue_daily_report(
            session, day=date(2026, 11, 21), now=district.clock.now(), tz=TZ, issued_by="test"
        ).id
    key = "street:S01"
    shown = run(["report", "show", str(busy), "--items"], url, tmp_path)
    assert key in json.loads(shown.stdout)["item_keys"]
    told = run(
        [
            "report",
            "instruct",
            "--report",
            str(busy),
            "--item",
            key,
            "--text",
            "限期办结",
            "--unit",
            "DEP01",
            "--within-days",
            "3",
            "--as",
            "mayor",
        ],
        url,
        tmp_path,
    )
    assert told.returncode == 0, told.stderr
    assert json.loads(told.stdout)["subject_ref"] == f"daily_report:{busy}#{key}"


def test_bad_input_exits_2_and_writes_nothing(district: District, tmp_path: Path) -> None:
    url = district.db.url
    before = json.loads(run(["report", "list"], url, tmp_path).stdout)["total"]
    for args in (
        ["report", "daily", "--date", "2026-02-30"],
        ["report", "daily", "--date", "2099-01-01"],
        ["report", "daily", "--date", "2026-11-17", "--correct", "9999", "--note", "x"],
        [
            "report",
            "instruct",
            "--report",
            "1",
            "--item",
            "nope",
            "--text",
            "x",
            "--unit",
            "DEP01",
            "--as",
            "mayor",
        ],
    ):
        result = run(args, url, tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert json.loads(run(["report", "list"], url, tmp_path).stdout)["total"] == before
