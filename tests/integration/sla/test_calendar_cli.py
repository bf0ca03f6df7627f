"""`minyi calendar ...` in-process against the shared demo database (a far year, 2040, that no
other test counts deadlines in): the same services as the API; one error line, exit 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from minyi.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli(demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
    monkeypatch.setenv("MINYI_ENVIRONMENT", "test")
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    return


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.stdout


def refused(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, (args, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.usefixtures("cli")
class TestCalendarCli:
    def test_import_show_and_edit_a_year(self, tmp_path: Path) -> None:
        f = tmp_path / "2040.csv"
        f.write_text(
            "date,kind,note\n2040-02-13,holiday,春节\n2040-02-11,workday,调休\n", encoding="utf-8"
        )
        assert "2 days (official" in ok("calendar", "import", str(f), "--year", "2040")
        ok("calendar", "set-holiday", "2040-02-14", "--note", "春节")
        ok("calendar", "set-workday", "2040-02-25")
        ok("calendar", "clear", "2040-02-11")
        shown = json.loads(ok("calendar", "show", "2040"))
        assert [(d["date"], d["kind"]) for d in shown["days"]] == [
            ("2040-02-13", "holiday"),
            ("2040-02-14", "holiday"),
            ("2040-02-25", "workday"),
        ]
        assert shown["version"] == 4

    def test_bad_input_is_one_line(self, tmp_path: Path) -> None:
        f = tmp_path / "bad.csv"
        f.write_text("2040-02-13,holiday\n2041-01-01,holiday\n", encoding="utf-8")
        assert "line 2" in refused("calendar", "import", str(f), "--year", "2040")
        assert "weekday already" in refused("calendar", "set-workday", "2040-02-13")
        assert "not a date" in refused("calendar", "set-holiday", "2040-02-30")
        assert "no such file" in refused(
            "calendar", "import", str(tmp_path / "missing.csv"), "--year", "2040"
        )
        assert "source" in refused(
            "calendar", "import", str(f), "--year", "2040", "--source", "rumour"
        )

    def test_status_lists_the_years_to_enter(self) -> None:
        assert "uncovered" in json.loads(ok("calendar", "status"))
