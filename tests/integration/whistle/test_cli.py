"""`minyi whistle ...` in-process against the shared demo database: the same services as the
API, one error line and exit 2 on bad input."""

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
class TestWhistleCli:
    def test_blow_report_act_confirm_stats(self) -> None:
        out = ok(
            "whistle",
            "blow",
            "--as",
            "s04c01.staff",
            "--unit",
            "DEP30",
            "--description",
            "城中村违建，请城市更新局报到",
            "--place",
            "S04C01",
            "--minutes",
            "60",
        )
        whistle_id = out.split()[1].rstrip(":")
        assert "reported in" in ok("whistle", "report-in", whistle_id, "--as", "dep30.handler")
        ok("whistle", "act", whistle_id, "--as", "dep30.handler", "--text", "已现场核查")
        assert "confirmed" in ok("whistle", "confirm", whistle_id, "--as", "s04c01.staff")
        shown = json.loads(ok("whistle", "show", whistle_id, "--as", "supervisor"))
        assert shown["status"] == "confirmed" and shown["summonses"][0]["stage"] == "confirmed"
        assert f"{whistle_id}\tconfirmed" in ok(
            "whistle", "list", "--as", "dep30.head", "--page-size", "200"
        )
        figures = {d["unit"]: d for d in json.loads(ok("whistle", "stats", "--json"))}
        assert figures["DEP30"]["summoned"] >= 1
        assert "DEP30" in ok("whistle", "stats")

    def test_refusals_are_one_line(self) -> None:
        assert "department" in refused(
            "whistle",
            "blow",
            "--as",
            "s04.staff",
            "--unit",
            "S05",
            "--description",
            "x",
            "--place",
            "S04",
        )
        assert "street, community or grid" in refused(
            "whistle", "blow", "--as", "dep01.head", "--unit", "DEP02", "--description", "x"
        )
        assert "UTC offset" in refused("whistle", "stats", "--since", "2026-11-20")
